// make edge-check: bundles the worker exactly as `wrangler deploy` would
// (`wrangler deploy --dry-run --outdir DIR`: no account, nothing uploaded)
// and fails if the upload breaks a Cloudflare limit or misses a module.
// Limits, with their sources, are listed in edge/README.md.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { root, node22, offlineEnv } from "../edge/test/wrangler.mjs";

const MiB = 1 << 20;
// developers.cloudflare.com/workers/platform/limits/ (Worker size, all plans);
// wrangler 4.164.0 checks the same (MAX_UNCOMPRESSED_SIZE_BYTES).
const maxUncompressed = 64 * MiB;
// The former limit after compression (3 MB Free, 10 MB Paid), dropped in
// 2026: reported, not enforced.
const formerCompressed = { free: 3 * MiB, paid: 10 * MiB };
const required = ["entry.js", "app.wasm", "forwarder.wasm", "kernels.wasm", "kernels-relaxed.wasm"];

const out = mkdtempSync(path.join(tmpdir(), "edge-dist-"));
try {
  const log = execFileSync(
    node22,
    [path.join(root, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", out],
    { cwd: path.join(root, "edge"), env: { ...process.env, ...offlineEnv }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  const reported = /Total Upload: .*/.exec(log);
  // The upload is the modules; the source map and README are not sent.
  const files = readdirSync(out).filter((f) => !f.endsWith(".map") && f !== "README.md");
  const failures = [];
  for (const want of required) {
    if (!files.some((f) => f === want || f.endsWith(`-${want}`))) failures.push(`module ${want} is missing from the bundle`);
  }
  let raw = 0;
  let gz = 0;
  for (const f of files) {
    raw += statSync(path.join(out, f)).size;
    gz += gzipSync(readFileSync(path.join(out, f)), { level: 9 }).length;
  }
  const mib = (n) => `${(n / MiB).toFixed(2)} MiB`;
  console.log(`edge-check: ${files.length} modules, ${mib(raw)} uncompressed (limit ${mib(maxUncompressed)}), ${mib(gz)} gzip`);
  if (reported) console.log(`edge-check: wrangler says ${reported[0]}`);
  if (raw > maxUncompressed) failures.push(`bundle is ${mib(raw)}, over the ${mib(maxUncompressed)} Worker size limit`);
  if (gz > formerCompressed.paid) {
    console.log(
      `edge-check: note: over the former compressed limits (${mib(formerCompressed.free)} Free, ` +
        `${mib(formerCompressed.paid)} Paid), which Cloudflare no longer applies`,
    );
  }
  if (failures.length) {
    for (const f of failures) console.error(`edge-check: FAIL: ${f}`);
    process.exit(1);
  }
  console.log("edge-check: ok");
} finally {
  rmSync(out, { recursive: true, force: true });
}

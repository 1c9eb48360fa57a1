// The servers of `make bench`. startStatic is the peer's: ONNX Runtime
// Web's files from node_modules (never a CDN), the ONNX models and the sample
// photos, with the headers cmd/serve sends the engine's page — cross-origin
// isolation (so ORT may use threads) — and the same compression policy, so
// that bytes downloaded compare like for like: a brotli (q11) variant for
// code, gzip (level 9) for the rest, each served only where it saves ≥ 10 %.
// startServe runs cmd/serve itself for the engine's page.

import http from 'node:http';
import { spawn } from 'node:child_process';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync, mkdirSync, statSync, readdirSync } from 'node:fs';
import { join, extname, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.f32': 'application/octet-stream',
  '.json': 'application/json',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
};
const BROTLI = new Set(['.wasm', '.mjs', '.js', '.html']); // cmd/serve precompresses its code with brotli
const GZIP = new Set(['.wasm', '.mjs', '.js', '.html', '.json', '.onnx', '.f32']);
const MIN_SAVING = 0.1;

// startStatic serves mounts ({'/prefix/': dir}) on a free port. cacheDir
// keeps compressed variants between runs (brotli q11 of a 12 MB wasm takes
// a while). Every file under the mounts is compressed before it resolves,
// so no request waits for compression.
export async function startStatic(mounts, { cacheDir } = {}) {
  const files = new Map();
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  if (cacheDir) mkdirSync(cacheDir, { recursive: true });

  function load(path) {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st || !st.isFile()) return null;
    const key = `${path}:${st.size}:${st.mtimeMs}`;
    const hit = files.get(path);
    if (hit && hit.key === key) return hit;
    const raw = readFileSync(path);
    const ext = extname(path).toLowerCase();
    // Keyed by content, so that a fresh copy of the same file (the ORT files
    // are copied from node_modules each run) finds its compressed variants.
    const sum = createHash('sha256').update(raw).digest('hex');
    const variant = (enc, make) => {
      const id = `${sum.slice(0, 32)}.${enc}`;
      const cached = cacheDir && join(cacheDir, id);
      if (cached && existsSync(cached)) return readFileSync(cached);
      const b = make(raw);
      if (cached) writeFileSync(cached, b);
      return b;
    };
    const worth = (b) => (b && b.length <= (1 - MIN_SAVING) * raw.length ? b : null);
    const e = {
      key,
      raw,
      type: TYPES[ext] || 'application/octet-stream',
      br: BROTLI.has(ext) ? worth(variant('br', (r) => zlib.brotliCompressSync(r, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: 24, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: r.length } }))) : null,
      gz: GZIP.has(ext) ? worth(variant('gz', (r) => zlib.gzipSync(r, { level: 9 }))) : null,
    };
    files.set(path, e);
    return e;
  }

  function locate(urlPath) {
    for (const p of prefixes) {
      if (!urlPath.startsWith(p)) continue;
      const root = resolve(mounts[p]);
      const f = resolve(root, '.' + sep + decodeURIComponent(urlPath.slice(p.length)));
      if (f !== root && !f.startsWith(root + sep)) return null;
      return f;
    }
    return null;
  }

  const server = http.createServer((req, res) => {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-cache');
    const url = new URL(req.url, 'http://x');
    const path = url.pathname === '/' ? '/index.html' : url.pathname;
    const f = locate(path);
    const e = f && load(f);
    if (!e) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    const ae = req.headers['accept-encoding'] || '';
    let body = e.raw;
    const h = { 'Content-Type': e.type, Vary: 'Accept-Encoding' };
    if (e.br && /\bbr\b/.test(ae)) {
      body = e.br;
      h['Content-Encoding'] = 'br';
    } else if (e.gz && /\bgzip\b/.test(ae)) {
      body = e.gz;
      h['Content-Encoding'] = 'gzip';
    }
    h['Content-Length'] = body.length;
    res.writeHead(200, h);
    res.end(req.method === 'HEAD' ? undefined : body);
  });

  // Warm: compress everything that the pages can ask for.
  for (const dir of Object.values(mounts)) {
    for (const name of readdirSync(dir)) if (!name.startsWith('.')) load(resolve(dir, name));
  }

  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    stop: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(r);
    }),
  };
}

// startServe runs cmd/serve (the demo's own server, built to bin) on a free
// port, serving the model files in models.
export async function startServe(bin, models) {
  const proc = spawn(bin, ['-addr', '127.0.0.1:0', '-q', '-models', models], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  const origin = await new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`cmd/serve did not start: ${err}`)), 20000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (m) {
        clearTimeout(t);
        resolve(m[0]);
      }
    });
    proc.on('exit', (c) => reject(new Error(`cmd/serve exited (${c}): ${err}`)));
  });
  // cmd/serve gzips the models in the background at start: let it finish so
  // that the first cold start neither waits for it nor gets the identity body.
  await new Promise((r) => setTimeout(r, 8000));
  return { origin, stop: () => proc.kill('SIGTERM') };
}

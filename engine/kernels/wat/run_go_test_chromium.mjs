// run_go_test_chromium.mjs is run_go_test.mjs for headless Chromium (Debian's,
// through playwright-core): it runs a GOOS=js GOARCH=wasm binary — the
// kernels' test binary, usually — in a page, with the SIMD kernel module
// linked by loader.mjs, prints what the binary prints and exits with its
// status. Nothing is served over the network: the page's requests are
// answered from files.
//
//   GOOS=js GOARCH=wasm go test -c -o /tmp/kernels.test ./engine/kernels/
//   node engine/kernels/wat/run_go_test_chromium.mjs /tmp/kernels.test -test.v
//
// RESNET_KERNELS=generic and RESNET_KERNELS_DIR work as in run_go_test.mjs;
// RESNET_KERNELS=relaxed links the relaxed-SIMD variant, and fails if this
// Chromium does not validate relaxed SIMD.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
if (process.argv.length < 3) {
  console.error('usage: node run_go_test_chromium.mjs WASM_BINARY [ARGS...]');
  process.exit(2);
}
const goroot = process.env.GOROOT || execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
const dir = process.env.RESNET_KERNELS_DIR || path.join(here, '../../../build/kernels');
const files = {
  '/wasm_exec.js': path.join(goroot, 'lib/wasm/wasm_exec.js'),
  '/loader.mjs': path.join(here, 'loader.mjs'),
  '/forwarder.wasm': path.join(dir, 'forwarder.wasm'),
  '/kernels.wasm': path.join(dir, process.env.RESNET_KERNELS === 'relaxed' ? 'kernels-relaxed.wasm' : 'kernels.wasm'),
  '/test.wasm': path.resolve(process.argv[2]),
};
for (const f of Object.values(files)) {
  if (!fs.existsSync(f)) {
    console.error(`run_go_test_chromium: ${f} is missing (run \`make kernels\`?)`);
    process.exit(2);
  }
}
const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

// The page: wasm_exec.js prints through console.log (line-buffered by it),
// and go.exit reports the status back.
const page = `<!doctype html><script src="/wasm_exec.js"></script><script type="module">
import { attachKernels, relaxedSupported } from '/loader.mjs';
const cfg = ${JSON.stringify({ args: process.argv.slice(3), wantSIMD: process.env.RESNET_KERNELS !== 'generic', wantRelaxed: process.env.RESNET_KERNELS === 'relaxed' })};
const bytes = async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer());
try {
  if (cfg.wantRelaxed && !relaxedSupported()) throw new Error('relaxed SIMD requested, but this browser does not validate it');
  const go = new Go();
  go.argv = ['test.wasm', ...cfg.args];
  go.exit = (code) => window.goExit(code);
  const { simd } = await attachKernels(go, {
    forwarder: await bytes('/forwarder.wasm'),
    kernels: cfg.wantSIMD ? await bytes('/kernels.wasm') : null,
  });
  go.env = { TMPDIR: '/tmp', HOME: '/', RESNET_KERNELS_EXPECT: !simd ? 'generic' : cfg.wantRelaxed ? 'relaxed' : 'simd' };
  const { instance } = await WebAssembly.instantiate(await bytes('/test.wasm'), go.importObject);
  await go.run(instance);
} catch (e) {
  console.log('run_go_test_chromium: ' + (e && e.stack || e));
  window.goExit(1);
}
</script>`;

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-kernels-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let status = 1;
try {
  const p = browser.pages()[0] || (await browser.newPage());
  await p.route('http://kernels.test/**', (route) => {
    const u = new URL(route.request().url());
    if (u.pathname === '/') return route.fulfill({ body: page, contentType: 'text/html' });
    const f = files[u.pathname];
    if (!f) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ body: fs.readFileSync(f), contentType: types[path.extname(f)] || 'application/octet-stream' });
  });
  p.on('console', (m) => process.stdout.write(m.text() + '\n'));
  let exited, finished = false;
  const done = new Promise((resolve) => { exited = resolve; });
  await p.exposeFunction('goExit', (code) => { finished = true; exited(code); });
  // After exit, a timer Go left behind may still fire and throw "Go program
  // has already exited": not an error of the program.
  p.on('pageerror', (e) => { if (!finished) process.stderr.write(`page error: ${e.message}\n`); });
  await p.goto('http://kernels.test/');
  status = await done;
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
process.exit(status);

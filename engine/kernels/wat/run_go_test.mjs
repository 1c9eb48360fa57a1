// run_go_test.mjs runs a GOOS=js GOARCH=wasm binary (a test binary, usually)
// in Node with the SIMD kernel module linked: Go's go_js_wasm_exec and
// wasm_exec_node.js, plus loader.mjs. Use it as go test's -exec (absolute
// path: go test runs the binary in the package's directory):
//
//   GOOS=js GOARCH=wasm go test -exec "node --stack-size=8192 $PWD/engine/kernels/wat/run_go_test.mjs" ./engine/kernels/
//
// It reads build/kernels/{forwarder,kernels}.wasm (`make kernels`), or the
// directory in $RESNET_KERNELS_DIR. RESNET_KERNELS=generic links only the
// forwarder, so the binary runs its pure-Go twins; the binary learns which
// through $RESNET_KERNELS_EXPECT (simd or generic), so a test can fail when
// the SIMD path it was promised is not the one taken.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { attachKernels, simdSupported } from './loader.mjs';
import { attachKernelPool, shareMemory } from './pool.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

if (process.argv.length < 3) {
  console.error('usage: node run_go_test.mjs WASM_BINARY [ARGS...]');
  process.exit(2);
}

const goroot = process.env.GOROOT || execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
const require = createRequire(import.meta.url);
// What wasm_exec_node.js sets up before loading wasm_exec.js.
globalThis.require = require;
globalThis.fs = fs;
globalThis.path = path;
require(path.join(goroot, 'lib/wasm/wasm_exec.js'));

const dir = process.env.RESNET_KERNELS_DIR || path.join(here, '../../../build/kernels');
const read = (name) => {
  const file = path.join(dir, name);
  try {
    return fs.readFileSync(file);
  } catch (e) {
    console.error(`run_go_test: cannot read ${file} (run \`make kernels\`): ${e.message}`);
    process.exit(2);
  }
};
const wantSIMD = process.env.RESNET_KERNELS !== 'generic';

// RESNET_THREADS=n (n ≥ 1) runs the binary on a shared memory with the
// kernels split over n threads (pool.mjs); globalThis.resnetKernelPool is
// the pool, whose setThreads the binary may call.
const threads = Number(process.env.RESNET_THREADS || 0);
const go = new globalThis.Go();
go.argv = process.argv.slice(2);
go.exit = (code) => {
  if (process.env.POOL_STATS) console.error(JSON.stringify(globalThis.poolStats));
  globalThis.resnetKernelPool?.stop();
  process.exit(code);
};
let binary = fs.readFileSync(process.argv[2]);
let simd;
if (threads > 0) {
  if (!wantSIMD || !simdSupported()) {
    console.error('run_go_test: RESNET_THREADS needs the SIMD kernels');
    process.exit(2);
  }
  const shared = shareMemory(binary);
  binary = shared.bytes;
  const memory = new WebAssembly.Memory({ initial: shared.initial, maximum: 32768, shared: true });
  globalThis.resnetKernelPool = await attachKernelPool(go, {
    kernels: await WebAssembly.compile(read('kernels-shared.wasm')),
    memory,
    threads,
    spawn: () => new Worker(new URL('./pool-worker.mjs', import.meta.url)),
  });
  simd = true;
} else {
  ({ simd } = await attachKernels(go, {
    forwarder: read('forwarder.wasm'),
    kernels: wantSIMD ? read('kernels.wasm') : null,
  }));
}
if (wantSIMD && !simdSupported()) console.error('run_go_test: this Node has no WebAssembly SIMD');
go.env = Object.assign({ TMPDIR: os.tmpdir() }, process.env, { RESNET_KERNELS_EXPECT: simd ? 'simd' : 'generic' });

try {
  const { instance } = await WebAssembly.instantiate(binary, go.importObject);
  process.on('exit', (code) => {
    // Node exits when no event is pending: a deadlocked Go program. Make Go
    // print its stacks, as wasm_exec_node.js does.
    if (code === 0 && !go.exited) {
      go._pendingEvent = { id: 0 };
      go._resume();
    }
  });
  await go.run(instance);
} catch (err) {
  console.error(err);
  process.exit(1);
}

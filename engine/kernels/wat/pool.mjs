// The SIMD kernels on every core: one Go instance, N kernel instances on its
// memory, in N threads (the caller's and N−1 helper workers).
//
// Go's WebAssembly port has no threads, but its kernels need none of Go: they
// are plain functions of addresses in Go's linear memory (kernels.wat). So
// the memory is made shared and the work is split below Go:
//
//  1. shareMemory rewrites Go's module so that it imports its memory instead
//     of defining it; the host passes a shared WebAssembly.Memory (a
//     SharedArrayBuffer, so it needs cross-origin isolation in a browser),
//     sized from the model by the host.
//  2. Each helper instantiates the kernel module (its shared-memory build,
//     kernels-shared.wasm) on that same memory: the weights, activations and
//     scratch Go allocated are theirs to read, never copied.
//  3. Go calls its "kernels" imports as always, one call per layer (wasm
//     Go runs parallelRows as one chunk) or per chunk of Winograd tiles
//     (winograd_conv). For the kernels that carry the multiply-adds — the
//     GEMMs and the Winograd convolution — the import here splits the
//     call's rows, output channels or tiles into one part per thread (a
//     GEMM by whichever of its operands is larger), wakes the helpers
//     (Atomics.notify on a small control block), runs part 0 itself, takes
//     any part a helper has not started, and waits for the rest
//     (Atomics.wait, allowed in workers and Node). Every other kernel runs
//     on the caller's instance: they are memory-bound and short, and split
//     they ran slower.
//
// Same bits for any thread count: an output's value depends only on its
// row's (tile's) inputs and its channel's weights, parts are whole 4-row
// tiles or 8-channel panels, and the one cross-part
// value, the epilogues' running maximum, is combined with the same
// maximum the kernels use (NaN wins, +0 above −0).
//
// Host side (a browser Worker, or Node's main thread):
//
//   const { bytes, initial } = shareMemory(goBytes); // or at build time
//   const memory = new WebAssembly.Memory({ initial, maximum, shared: true });
//   await attachKernelPool(go, { kernels: sharedKernelsModule, memory, threads: n, spawn });
//   const { instance } = await WebAssembly.instantiate(bytes, go.importObject);
//   go.run(instance);
//
// spawn() returns a started helper worker with postMessage/on('message')
// (Node: pool-worker.mjs) or postMessage/onmessage (a browser: this very
// module, as a module Worker named HELPER_NAME). The module imports nothing,
// so its one versioned URL is all a cache (the page's service worker) must
// keep.

// HELPER_NAME is the name a browser helper Worker is given: with it, this
// module serves the kernels instead of being imported.
export const HELPER_NAME = 'resnet-kernels';

if (typeof WorkerGlobalScope === 'function' && self instanceof WorkerGlobalScope && self.name === HELPER_NAME) {
  self.onmessage = (e) => {
    self.onmessage = null;
    serveKernels(e.data, (m) => self.postMessage(m));
  };
}

// The import Go's rewritten module reads its memory from.
export const MEMORY_IMPORT = { module: 'env', name: 'memory' };

// ------------------------------------------------------------ the rewrite

function leb(bytes, at) {
  let v = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    v += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [v, at];
  }
}

function encLEB(v) {
  const out = [];
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
}

const utf8 = (s) => [...encLEB(s.length), ...new TextEncoder().encode(s)];

// shareMemory returns {bytes, initial}: a copy of a WebAssembly module whose
// one defined memory becomes an import of a shared memory (MEMORY_IMPORT, at
// most maxPages of 64 KiB; the host's memory sets the real maximum), and
// the pages that memory must start with. The memory's index stays 0 and its
// export stays, so wasm_exec.js and the code are unchanged. Throws on a
// module that does not define exactly one unshared memory.
export function shareMemory(bytes, maxPages = 65536) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (b.length < 8 || b[0] !== 0 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d) {
    throw new Error('shareMemory: not a WebAssembly module');
  }
  const sections = [];
  for (let at = 8; at < b.length; ) {
    const id = b[at];
    const [size, body] = leb(b, at + 1);
    sections.push({ id, start: at, body, end: body + size });
    at = body + size;
  }
  const mem = sections.find((s) => s.id === 5);
  const imp = sections.find((s) => s.id === 2);
  if (!mem || !imp) throw new Error('shareMemory: the module has no memory or no import section');
  const [count, limits] = leb(b, mem.body);
  if (count !== 1) throw new Error(`shareMemory: the module defines ${count} memories, not 1`);
  const flags = b[limits];
  if (flags & 2) throw new Error('shareMemory: the memory is shared already');
  const [initial] = leb(b, limits + 1);
  // The host must start the memory at least this large (the data segments
  // are written at instantiation) and cannot read an import's limits from
  // the JS API: a custom section carries it (initialPages).
  const entry = [...utf8(MEMORY_IMPORT.module), ...utf8(MEMORY_IMPORT.name), 0x02, 0x03, ...encLEB(initial), ...encLEB(maxPages)];
  const note = [...utf8(PAGES_SECTION), initial & 0xff, (initial >> 8) & 0xff, (initial >> 16) & 0xff, initial >>> 24];
  const [n, rest] = leb(b, imp.body);
  const body = [...encLEB(n + 1), ...b.subarray(rest, imp.end), ...entry];
  const parts = [b.subarray(0, 8), Uint8Array.of(0, ...encLEB(note.length), ...note)];
  for (const s of sections) {
    if (s === imp) parts.push(Uint8Array.of(2, ...encLEB(body.length), ...body));
    else if (s !== mem) parts.push(b.subarray(s.start, s.end));
  }
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return { bytes: out, initial };
}

const PAGES_SECTION = 'resnet.memory.initial';

// initialPages reads what shareMemory recorded from a compiled module: the
// pages its shared memory must start with (null for another module).
export function initialPages(module) {
  const [s] = WebAssembly.Module.customSections(module, PAGES_SECTION);
  return s && s.byteLength === 4 ? new DataView(s).getUint32(0, true) : null;
}

// ---------------------------------------------------- splitting the work

// The control block, Int32 slots: the generation, parts done, the kernel,
// the parts, the running maximum going in (f32), the stop flag, helpers
// inside a job, then per part its maximum coming out (f32) and its claim,
// then the arguments.
//
// A job is published in two steps: GEN odd while the caller writes it
// (after every helper has left the last job: INSIDE = 0), even once it is
// there. A helper enters only an even generation and checks it again after
// saying it is inside, so no helper ever reads a job being written, and no
// claim of an old job lands on a new one.
//
// Part p is thread p's, but a part is claimed (CLAIM + p from 0 to 1)
// before it runs, and a thread that has run its own claims any part still
// unclaimed. Without that, with more threads than cores, every layer would
// wait for the OS to give a helper a time slice; with parts simply taken in
// turn, the caller would often take them all before a sleeping helper woke.
const GEN = 0;
const DONE = 1;
const KERNEL = 2;
const PARTS = 3;
const MAX_IN = 4;
const STOP = 5;
const INSIDE = 6;
const MAX_OUT = 8; // MAX_OUT + part, up to MAX_THREADS
export const MAX_THREADS = 32;
const CLAIM = MAX_OUT + MAX_THREADS; // CLAIM + part
const ARGS = CLAIM + MAX_THREADS;
const CONTROL_BYTES = (ARGS + 24) * 4;

// span is part `part` of `parts` of n items in whole units of `unit`, as
// [first, end), or null for an empty part.
function span(n, part, parts, unit) {
  const chunk = Math.ceil(Math.ceil(n / parts) / unit) * unit;
  const i0 = part * chunk;
  const i1 = Math.min(n, i0 + chunk);
  return i0 < i1 ? [i0, i1] : null;
}

// rows splits m rows (tiles) into parts of whole 4-row tiles; channels, n
// output channels into whole 8-channel panels.
const rows = (m, part, parts) => span(m, part, parts, 4);
const channels = (n, part, parts) => span(n, part, parts, 8);

// SPLIT says, per kernel that is worth spreading, how to make part p of n
// from the call's arguments (a plain array; addresses are byte offsets in
// the shared memory), or null when that part is empty. Only arguments that
// select rows, channels or tiles change; the kernels then run unchanged.
const SPLIT = {
  // out ldo a lda m kp w n zp wsum scale bias res relu: u16 activations,
  // s8 or s16 weights; wsum, scale and bias per output channel
  gemm_u16s8: gemmSplit(2, 1, [9, 10, 11]),
  gemm_u16s16: gemmSplit(2, 2, [9, 10, 11]),
  // out ldo a lda m k w n scale bias res relu
  gemm_f32: gemmSplit(4, 4, [8, 9]),
  // out src h w c u n t0 t1 v vs m ms zeros scale bias res relu: a chunk of
  // winograd_in_u16, 16 × gemm_s16s16 and winograd_out (those three alone
  // run only where this one declines, which they would too); V rows of cp = c + c%2 int16, M rows of np = ⌈n/8⌉·8
  // int32, both from t0
  winograd_conv: (a, p, n) => {
    const r = rows(a[8] - a[7], p, n);
    if (!r) return null;
    const s = a.slice();
    s[9] = a[9] + r[0] * (a[4] + (a[4] & 1)) * 2;
    s[11] = a[11] + r[0] * ((a[6] + 7) & ~7) * 4;
    s[7] = a[7] + r[0];
    s[8] = a[7] + r[1];
    return s;
  },
};

// gemmSplit makes a GEMM's parts. Each part reads all of one operand: split
// by rows, every part reads all the weights; by output channels (whole
// panels of 8), all the activations. So the larger operand is the one split:
// the weights in late layers (ResNet-50's last stage: 49 rows against 2048
// channels), the activations early on. aBytes, wBytes: an activation's and
// a weight's size; perChannel: the positions of the per-channel arrays
// (addresses, 0 for none). The residual, like out, moves with the part's
// rows or channels.
function gemmSplit(aBytes, wBytes, perChannel) {
  return (a, p, n) => {
    const s = a.slice();
    const res = a.length - 2;
    if (a[7] * wBytes <= a[4] * aBytes) {
      const r = rows(a[4], p, n);
      if (!r) return null;
      s[0] = a[0] + r[0] * a[1] * 4;
      s[2] = a[2] + r[0] * a[3] * aBytes;
      s[4] = r[1] - r[0];
      if (a[res] !== 0) s[res] = a[res] + r[0] * a[1] * 4;
      return s;
    }
    const c = channels(a[7], p, n);
    if (!c) return null;
    s[0] = a[0] + c[0] * 4;
    s[6] = a[6] + c[0] * a[5] * wBytes; // panels of 8 channels × k weights
    s[7] = c[1] - c[0];
    for (const i of perChannel) if (a[i] !== 0) s[i] = a[i] + c[0] * 4;
    if (a[res] !== 0) s[res] = a[res] + c[0] * 4;
    return s;
  };
}

// How few rows (tiles) a call must have to be split: below it the wake-up
// costs more than the part saves.
const MIN_ROWS = 8;

const SPLIT_NAMES = Object.keys(SPLIT);
// The rows (tiles) of a call: what is split.
const size = (name, a) => (name === 'winograd_conv' ? a[8] - a[7] : a[4]);

// How long a waiting thread polls before it sleeps in Atomics.wait: a
// layer's parts end within microseconds of each other, and a futex wake-up
// costs tens of them.
const SPIN = 2000;

// waitFor waits until ctl[slot] is no longer notValue, or for about
// timeout ms; it says whether the slot changed.
function waitFor(ctl, slot, notValue, timeout = Infinity) {
  for (let i = 0; i < SPIN; i++) if (Atomics.load(ctl, slot) !== notValue) return true;
  while (Atomics.load(ctl, slot) === notValue) {
    if (Atomics.wait(ctl, slot, notValue, timeout) === 'timed-out') return Atomics.load(ctl, slot) !== notValue;
  }
  return true;
}

// takeParts runs part `own` of the published job, then any part nobody
// has claimed.
function takeParts(exports, ctl, f32, own) {
  const parts = ctl[PARTS];
  for (let i = 0; i < parts; i++) {
    const p = (own + i) % parts;
    if (Atomics.compareExchange(ctl, CLAIM + p, 0, 1) !== 0) continue;
    runPart(exports, ctl, f32, p);
    if (Atomics.add(ctl, DONE, 1) === parts - 1) Atomics.notify(ctl, DONE);
  }
}

// runPart is one part of the job in the control block.
function runPart(exports, ctl, f32, part) {
  const parts = ctl[PARTS];
  const name = SPLIT_NAMES[ctl[KERNEL]];
  // Every argument of a split kernel is an i32 (sizes and addresses); an
  // exported wasm function's length is its parameter count.
  const args = Array.from(ctl.subarray(ARGS, ARGS + exports[name].length));
  exports.max_reset(f32[MAX_IN]);
  const sub = SPLIT[name](args, part, parts);
  if (sub) exports[name](...sub);
  f32[MAX_OUT + part] = exports.max_get();
}


// attachKernelPool adds the "kernels" imports to go.importObject (and the
// shared memory as MEMORY_IMPORT): a pool of `threads` threads — the
// caller's and threads−1 helpers from spawn(). Resolves once every helper
// has its kernel instance, to {threads, setThreads(k)}: setThreads uses the
// first k (1 … threads) from the next call on, for tests and benchmarks.
export async function attachKernelPool(go, { kernels, memory, threads, spawn }) {
  if (!(kernels instanceof WebAssembly.Module)) throw new TypeError('attachKernelPool: kernels must be a WebAssembly.Module');
  if (!(memory instanceof WebAssembly.Memory) || !(memory.buffer instanceof SharedArrayBuffer)) {
    throw new TypeError('attachKernelPool: memory must be a shared WebAssembly.Memory');
  }
  threads = Math.max(1, Math.min(MAX_THREADS, threads | 0));
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const ctl = new Int32Array(control);
  const f32 = new Float32Array(control);
  const helpers = [];
  try {
    await Promise.all(
      Array.from({ length: threads - 1 }, (_, i) => {
        const w = spawn();
        helpers.push(w);
        return new Promise((resolve, reject) => {
          const onMessage = (m) => {
            const d = typeof w.on === 'function' ? m : m.data; // Node's worker_threads, or a Web Worker
            if (d && d.ok) resolve();
            else reject(new Error(`kernel helper ${i + 1}: ${d && d.error}`));
          };
          if (typeof w.on === 'function') {
            w.once('message', onMessage);
            w.once('error', reject);
          } else {
            w.onmessage = onMessage;
            w.onerror = (e) => reject(new Error(`kernel helper ${i + 1}: ${e.message || 'failed to start'}`));
          }
          w.postMessage({ kernels, memory, control, part: i + 1 });
        });
      }),
    );
  } catch (e) {
    for (const w of helpers) w.terminate();
    throw e;
  }
  let active = threads;
  let k = null;
  const imports = {
    link: () => {
      if (!k) k = new WebAssembly.Instance(kernels, { env: { memory } });
      return 1;
    },
  };
  // Go imports every kernel the module exports (wasmabi checks that the
  // forwarder, Go and kernels.wat agree).
  for (const { name, kind } of WebAssembly.Module.exports(kernels)) {
    if (kind === 'function') imports[name] = (...args) => k.exports[name](...args);
  }
  SPLIT_NAMES.forEach((name, id) => {
    imports[name] = (...args) => {
      const parts = active;
      if (parts === 1 || size(name, args) < MIN_ROWS) return k.exports[name](...args);
      const gen = Atomics.add(ctl, GEN, 1) + 1; // odd: being written
      for (let n; (n = Atomics.load(ctl, INSIDE)) !== 0; ) waitFor(ctl, INSIDE, n);
      ctl[KERNEL] = id;
      ctl[PARTS] = parts;
      f32[MAX_IN] = k.exports.max_get();
      ctl.set(args, ARGS);
      ctl.fill(0, CLAIM, CLAIM + parts);
      Atomics.store(ctl, DONE, 0);
      Atomics.store(ctl, GEN, gen + 1); // even: published
      Atomics.notify(ctl, GEN);
      takeParts(k.exports, ctl, f32, 0);
      for (let done; (done = Atomics.load(ctl, DONE)) < parts; ) waitFor(ctl, DONE, done);
      let mx = f32[MAX_OUT];
      for (let p = 1; p < parts; p++) mx = Math.max(mx, f32[MAX_OUT + p]);
      k.exports.max_reset(mx);
    };
  });
  go.importObject.kernels = imports;
  go.importObject[MEMORY_IMPORT.module] = { ...(go.importObject[MEMORY_IMPORT.module] || {}), [MEMORY_IMPORT.name]: memory };
  return {
    threads,
    setThreads(n) {
      active = Math.max(1, Math.min(threads, n | 0));
    },
    stop() {
      Atomics.store(ctl, STOP, 1);
      Atomics.add(ctl, GEN, 2);
      Atomics.notify(ctl, GEN);
      for (const w of helpers) w.terminate();
    },
  };
}

// How long an idle helper sleeps in Atomics.wait before it goes back to its
// event loop for a moment. A worker blocked in Atomics.wait runs none of the
// browser's tasks for it, and Firefox waits on those: clients.claim() in the
// page's service worker sets the controller of every client, helpers
// included, and until they take that task the service worker stays
// "activating" and holds every fetch of the page. A job published while a
// helper is away is not lost: the caller runs any part nobody claimed.
const IDLE_MS = 20;

// serveKernels is a helper's whole life (pool-worker.mjs calls it with the
// first message): instantiate the kernels on the shared memory, say so,
// then run its part of every job until the pool stops, returning to its
// event loop whenever it has been idle for IDLE_MS.
export function serveKernels({ kernels, memory, control, part }, reply) {
  let exports;
  try {
    exports = new WebAssembly.Instance(kernels, { env: { memory } }).exports;
  } catch (e) {
    reply({ ok: false, error: e.message });
    return;
  }
  const ctl = new Int32Array(control);
  const f32 = new Float32Array(control);
  let seen = Atomics.load(ctl, GEN); // before saying ready: no job can be missed
  reply({ ok: true });
  const serve = () => {
    for (;;) {
      if (!waitFor(ctl, GEN, seen, IDLE_MS)) {
        setTimeout(serve, 0);
        return;
      }
      seen = Atomics.load(ctl, GEN);
      if (Atomics.load(ctl, STOP)) return;
      if (seen & 1) continue; // being written: wait for it
      Atomics.add(ctl, INSIDE, 1);
      if (Atomics.load(ctl, GEN) === seen) takeParts(exports, ctl, f32, part);
      if (Atomics.sub(ctl, INSIDE, 1) === 1) Atomics.notify(ctl, INSIDE);
    }
  };
  serve();
}

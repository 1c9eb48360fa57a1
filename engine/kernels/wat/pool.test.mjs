// pool.mjs's host side in Node: the module rewrite and how attaching fails.
// The kernels on the pool are tested by Go's own suite run on it
// (RESNET_THREADS=4 in make test-kernels: every kernel test, and whole
// networks on 1–4 threads bit for bit, TestNetworkThreads).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { attachKernelPool, initialPages, shareMemory, MEMORY_IMPORT } from './pool.mjs';

const dir = new URL('../../../build/kernels/', import.meta.url);
// The smallest Go-like module: one import, one defined memory of 3 pages,
// exported as "mem", and an active data segment at its end.
const tiny = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0,
  1, 4, 1, 96, 0, 0, // type: () -> ()
  2, 8, 1, 2, 103, 111, 1, 102, 0, 0, // import "go" "f" func 0
  5, 3, 1, 0, 3, // memory: min 3
  7, 7, 1, 3, 109, 101, 109, 2, 0, // export "mem" memory 0
  11, 8, 1, 0, 65, 128, 128, 12, 11, 0, // data at 196608 - … (empty)
]);

describe('shareMemory', () => {
  it('turns the defined memory into a shared import and records its size', async () => {
    const { bytes, initial } = shareMemory(tiny);
    assert.equal(initial, 3);
    const m = await WebAssembly.compile(bytes);
    assert.deepEqual(WebAssembly.Module.imports(m).map((i) => `${i.module}.${i.name}:${i.kind}`), ['go.f:function', `${MEMORY_IMPORT.module}.${MEMORY_IMPORT.name}:memory`]);
    assert.deepEqual(WebAssembly.Module.exports(m), [{ name: 'mem', kind: 'memory' }]);
    assert.equal(initialPages(m), 3);
    const memory = new WebAssembly.Memory({ initial: 3, maximum: 8, shared: true });
    const inst = await WebAssembly.instantiate(m, { go: { f() {} }, [MEMORY_IMPORT.module]: { [MEMORY_IMPORT.name]: memory } });
    assert.equal(inst.exports.mem, memory);
    // Too small a memory for the module's data is refused at instantiation.
    await assert.rejects(WebAssembly.instantiate(m, { go: { f() {} }, [MEMORY_IMPORT.module]: { [MEMORY_IMPORT.name]: new WebAssembly.Memory({ initial: 2, maximum: 8, shared: true }) } }));
  });

  it('refuses what it cannot rewrite, with a reason', () => {
    assert.throws(() => shareMemory(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])), /not a WebAssembly module/);
    assert.throws(() => shareMemory(shareMemory(tiny).bytes), /no memory/);
    assert.throws(() => shareMemory(tiny.slice(0, 8)), /no memory or no import section/);
  });
});

describe('attachKernelPool', () => {
  const kernels = () => WebAssembly.compile(readFileSync(new URL('kernels-shared.wasm', dir)));
  it('fails, and stops its helpers, when a helper cannot start', async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
    const spawned = [];
    const spawn = () => {
      const w = new Worker('throw new Error("no helper here")', { eval: true });
      spawned.push(w);
      return w;
    };
    await assert.rejects(attachKernelPool({ importObject: {} }, { kernels: await kernels(), memory, threads: 3, spawn }), /no helper here/);
    assert.equal(spawned.length, 2);
  });

  it('wants a shared memory and the shared-memory kernels', async () => {
    const go = { importObject: {} };
    await assert.rejects(attachKernelPool(go, { kernels: await kernels(), memory: new WebAssembly.Memory({ initial: 1 }), threads: 2, spawn: () => null }), /shared WebAssembly.Memory/);
    await assert.rejects(attachKernelPool(go, { kernels: null, memory: null, threads: 2, spawn: () => null }), /kernels must be a WebAssembly.Module/);
  });
});

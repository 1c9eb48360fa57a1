// A kernel helper of pool.mjs: a Web Worker (module type) or a Node
// worker_threads Worker. Its first message carries the shared memory, the
// kernel module and the control block; from then on it only runs its parts
// of the kernels' jobs (serveKernels), blocked in Atomics.wait in between.
import { serveKernels } from './pool.mjs';

if (typeof self === 'object' && typeof self.postMessage === 'function' && typeof process !== 'object') {
  self.onmessage = (e) => {
    self.onmessage = null;
    serveKernels(e.data, (m) => self.postMessage(m));
  };
} else {
  const { parentPort } = await import('node:worker_threads');
  parentPort.once('message', (m) => serveKernels(m, (r) => parentPort.postMessage(r)));
}

// A kernel helper of pool.mjs in Node (a worker_threads Worker): its first
// message carries the shared memory, the kernel module and the control
// block; from then on it only runs its parts of the kernels' jobs
// (serveKernels), mostly asleep in Atomics.wait in between. In a browser the
// helper is pool.mjs itself (HELPER_NAME).
import { parentPort } from 'node:worker_threads';
import { serveKernels } from './pool.mjs';

parentPort.once('message', (m) => serveKernels(m, (r) => parentPort.postMessage(r)));

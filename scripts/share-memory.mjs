// share-memory.mjs IN.wasm OUT.wasm: the engine's module with its memory
// imported and shared (engine/kernels/wat/pool.mjs, shareMemory), for the
// page's thread pool. The page loads it only where it can share memory.
import { readFileSync, writeFileSync } from 'node:fs';
import { shareMemory } from '../engine/kernels/wat/pool.mjs';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node scripts/share-memory.mjs IN.wasm OUT.wasm');
  process.exit(2);
}
const { bytes, initial } = shareMemory(readFileSync(input));
writeFileSync(output, bytes);
console.log(`share-memory: ${output}: memory imported and shared, ${initial} pages at start`);

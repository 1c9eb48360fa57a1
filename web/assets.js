// What the engine needs from the network, fetched by the page itself — not
// by the worker, whose own start takes ~80 ms in Chromium: the downloads
// begin as soon as the manifest is in and run while the worker starts. The
// engine's wasm is compiled as it streams in and handed to the worker as a
// WebAssembly.Module; a model is downloaded into one buffer of the size its
// header gives and transferred, not copied, to the worker, which verifies
// it (web/startup.js). The page's own thread feeds the streaming compiler,
// so it is kept free of the heavy steps.

import { HEADER_SIZE, LoadError, cachedBytes, compileAsset, download, parseHeader, sha256, storeBytes } from './loader.js';

// engineFiles resolves with what the worker's init needs, as soon as it has
// it: the engine's compiled module and the kernel modules' bytes (a few kB
// each, fetched whether or not SIMD turns out to be there; the worker
// decides). verified settles once the engine's bytes are checked against
// their hash, which runs while the worker starts; a download is cached once
// they are and `later` has settled.
//
// threaded: the thread pool's builds instead (web/resnet.js decides): the
// engine on an imported shared memory and the kernels on a shared memory.
export async function engineFiles({ wasm, wasmShared, kernels }, mode, onProgress, later, threaded = false) {
  const t = performance.now();
  if (threaded) {
    wasm = wasmShared;
    kernels = { ...kernels, kernels: kernels.shared, relaxed: kernels.relaxedShared };
  }
  const fwd = kernels && smallAsset(kernels.forwarder, 'The kernel forwarder');
  const kern = kernels && mode !== 'go' && smallAsset(kernels.kernels, 'The SIMD kernel module');
  // The relaxed-SIMD build of the same kernels (f32 multiply-adds fused),
  // in auto mode where the server has it: used if this browser validates
  // it, which is the feature test (a relaxed opcode fails the whole module).
  const relaxed = kernels?.relaxed && mode === 'auto' && smallAsset(kernels.relaxed, 'The relaxed-SIMD kernel module');
  for (const p of [fwd, kern, relaxed]) p && p.catch(() => {}); // awaited below
  let main;
  try {
    main = await compileAsset(wasm, 'The WebAssembly file', onProgress, later);
  } catch (e) {
    if (e instanceof LoadError) throw e;
    throw new LoadError(`The WebAssembly module failed to compile: ${e.message}`, 'compile');
  }
  performance.mark('resnet:wasm-compiled');
  const [f, k, r] = await Promise.all([fwd, kern, relaxed && relaxed.catch(() => null)]);
  const useRelaxed = !!r && WebAssembly.validate(r.bytes);
  // The wasm compiles as it downloads: one figure for both.
  return {
    module: main.module, forwarder: f?.bytes, kernels: useRelaxed ? r.bytes : k?.bytes, relaxed: useRelaxed,
    fromCache: main.fromCache, bytes: main.bytes, verified: main.verified, ms: { download: performance.now() - t },
  };
}

// smallAsset returns a manifest entry's bytes from the cache, keyed by its
// content hash, or downloads, verifies and stores them.
async function smallAsset(asset, what) {
  let bytes = await cachedBytes(asset.sha256);
  if (bytes) return { bytes, fromCache: true };
  ({ bytes } = await download(asset.url, { expect: asset.bytes }));
  if (bytes.length !== asset.bytes || (await sha256(bytes)) !== asset.sha256) {
    throw new LoadError(`${what} does not match its published hash (stale or corrupted download). Reload the page.`, 'wasm-checksum');
  }
  storeBytes(asset.sha256, bytes, 'application/wasm');
  return { bytes, fromCache: false };
}

// modelFile fetches a model — from the cache when its hash is known (a
// listed model) or once its header names a hash the cache holds. Resolves
// with {bytes, sha256, fromCache, ms}, sha256 being what the header claims:
// the caller checks the bytes against it before Go sees them. onHead gets a
// copy of a download's header and JSON section as soon as they are in,
// long before the weights.
export async function modelFile(url, known, onProgress, onHead) {
  const t = performance.now();
  let bytes = known ? await cachedBytes(known) : null;
  let fromCache = !!bytes;
  if (!bytes) {
    let headLength = 0;
    const r = await download(url, {
      firstBytes: HEADER_SIZE,
      onProgress: (loaded, total, received) => {
        onProgress?.(loaded, total);
        if (headLength && loaded >= headLength) {
          onHead?.(received.slice(0, headLength));
          headLength = 0;
        }
      },
      onFirst: async (head) => {
        const h = parseHeader(head);
        const hit = await cachedBytes(h.sha256);
        headLength = hit ? 0 : HEADER_SIZE + h.metaLength;
        return hit ? { stop: true, value: hit } : { total: h.length };
      },
    });
    fromCache = !!r.stopped;
    bytes = r.stopped || r.bytes;
  }
  const ms = { download: performance.now() - t };
  performance.mark('resnet:model-bytes');
  return { bytes, sha256: parseHeader(bytes).sha256, fromCache, ms };
}

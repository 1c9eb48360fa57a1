// Downloads for the worker: the wasm and model files, with byte-level
// progress, kept in the Cache API under their content hash so that a reload
// downloads nothing, and checksums verified with WebCrypto (Go's SHA-256
// compiled to wasm is several times slower). The engine's wasm is compiled
// while it downloads.

const CACHE_NAME = 'resnet-v1';
// The fixed model-file header (engine/modelfile/FORMAT.md); parseHeader is
// its one reader on the page.
export const HEADER_SIZE = 64;
const MAGIC = 'RESNETGO';
// Versions the engine reads (modelfile.MinVersion … modelfile.Version).
const FORMAT_VERSIONS = [1, 2];

export class LoadError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

function hashKey(sha256) {
  // A synthetic same-origin URL: the Cache API keys by Request, and this one
  // names content, not a location.
  return new URL(`/__sha256/${sha256}`, self.location.origin).href;
}

async function openCache() {
  try {
    return 'caches' in self ? await caches.open(CACHE_NAME) : null;
  } catch {
    return null; // e.g. storage disabled: still works, just without a cache
  }
}

// writes holds the Cache Storage writes in flight, by hash: start-up does not
// wait for them, but a lookup of the same hash does.
const writes = new Map();

// STORED lists, in localStorage, the hashes this page has put in Cache
// Storage. Asking Cache Storage is two round trips to the browser process,
// tens of milliseconds on a busy machine before a first visit's downloads
// could start; the list answers "not there" at once. It is only a hint: a
// hash on it is still looked up (and fetched if the entry has gone), and
// clearing the site's data clears both. Hosts without localStorage (workers)
// always ask.
const STORED = 'resnet-stored';
const STORED_MAX = 32;

function storedHashes() {
  try {
    return typeof localStorage === 'object' ? (localStorage.getItem(STORED) || '').split(',').filter(Boolean) : null;
  } catch {
    return null; // storage disabled: ask the cache
  }
}

function noteStored(sha256) {
  const list = storedHashes();
  if (!list) return;
  try {
    localStorage.setItem(STORED, [...list.filter((h) => h !== sha256), sha256].slice(-STORED_MAX).join(','));
  } catch {
    // quota: the hint is lost, lookups just ask the cache
  }
}

async function cachedResponse(sha256) {
  await writes.get(sha256);
  const list = storedHashes();
  if (list && !list.includes(sha256)) return null;
  const cache = await openCache();
  return (cache && (await cache.match(hashKey(sha256)))) || null;
}

export async function cachedBytes(sha256) {
  const hit = await cachedResponse(sha256);
  return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
}

// storeBytes keeps bytes under their hash once `when` (a promise, or
// nothing) settles: writing megabytes to Cache Storage costs CPU that
// start-up needs more. The bytes must stay as they are until then. A lookup
// of the same hash waits for the write. Resolves with whether it was written.
export function storeBytes(sha256, bytes, type, when) {
  return noteWrite(
    sha256,
    (async () => {
      await when;
      const cache = await openCache();
      if (!cache) return false;
      try {
        await cache.put(hashKey(sha256), new Response(bytes, { headers: { 'content-type': type } }));
        return true;
      } catch {
        return false; // quota exceeded: the next visit downloads again, which is correct
      }
    })(),
  );
}

// noteWrite registers a Cache Storage write of sha256 made elsewhere (the
// worker stores the models it verified): lookups wait for it, and the hint
// list learns of it once it has succeeded.
export function noteWrite(sha256, write) {
  const done = write.then(
    (ok) => {
      if (ok) noteStored(sha256);
      return ok;
    },
    () => false,
  );
  writes.set(sha256, done);
  done.then(() => writes.get(sha256) === done && writes.delete(sha256));
  return done;
}

export function hex(buf) {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sha256(bytes) {
  return hex(await crypto.subtle.digest('SHA-256', bytes));
}

// parseHeader reads the fixed model-file header (engine/modelfile/FORMAT.md).
export function parseHeader(b) {
  if (b.length < MAGIC.length || new TextDecoder().decode(b.subarray(0, MAGIC.length)) !== MAGIC) {
    throw new LoadError('This is not a model file (bad magic number).', 'model-magic');
  }
  if (b.length < HEADER_SIZE) throw new LoadError('The model file is truncated.', 'model-truncated');
  const dv = new DataView(b.buffer, b.byteOffset, HEADER_SIZE);
  const version = dv.getUint32(8, true);
  if (!FORMAT_VERSIONS.includes(version)) {
    throw new LoadError(`Unsupported model file version ${version} (this page reads versions ${FORMAT_VERSIONS.join(' and ')}).`, 'model-version');
  }
  const length = Number(dv.getBigUint64(16, true));
  return { length, metaLength: dv.getUint32(12, true), sha256: hex(b.subarray(24, 56)) };
}

// verifyModel checks a complete model file against its own header.
export async function verifyModel(bytes) {
  const h = parseHeader(bytes);
  if (bytes.length !== h.length) {
    throw new LoadError(`The model file is truncated or padded: ${bytes.length} bytes, its header says ${h.length}.`, 'model-truncated');
  }
  if ((await sha256(bytes.subarray(HEADER_SIZE))) !== h.sha256) {
    throw new LoadError('The model file failed its checksum: it is corrupted or has been tampered with. It was not loaded.', 'model-checksum');
  }
  return h;
}

// download reads a response body chunk by chunk into one buffer, calling
// onProgress(loaded, total, received) — received is a view of the bytes in
// so far. total comes from `expect` or Content-Length; onFirst lets the
// caller look at the first bytes (the model header) and either abort by
// returning {stop: true, value} (download then returns {stopped: value}) or
// give the size, {total}, so that the rest lands in a buffer of the right
// size without being copied again.
export async function download(url, { expect = 0, onProgress, onFirst, firstBytes = 0 } = {}) {
  const ctrl = new AbortController();
  const res = await get(url, ctrl.signal);
  // Content-Length is the compressed size when the server compresses, so it
  // is only a fallback: progress counts decoded bytes.
  let total = expect || (res.headers.get('content-encoding') ? 0 : Number(res.headers.get('content-length')) || 0);
  let buf = new Uint8Array(total || 1 << 20);
  let loaded = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (loaded + value.length > buf.length) buf = grow(buf, loaded, Math.max(buf.length * 2, loaded + value.length));
      buf.set(value, loaded);
      const before = loaded;
      loaded += value.length;
      if (onFirst && before < firstBytes && loaded >= firstBytes) {
        const r = await onFirst(buf.subarray(0, loaded));
        if (r && r.stop) {
          ctrl.abort();
          return { stopped: r.value };
        }
        if (r && r.total) {
          total = r.total;
          if (buf.length !== total && total >= loaded) buf = grow(buf, loaded, total);
        }
      }
      onProgress?.(loaded, total, buf.subarray(0, loaded));
    }
  } catch (e) {
    if (e instanceof LoadError) throw e;
    throw new LoadError(`Download of ${url} was interrupted: ${e.message}`, 'network');
  }
  if (onFirst && loaded < firstBytes) await onFirst(buf.subarray(0, loaded));
  return { bytes: buf.length === loaded ? buf : buf.slice(0, loaded) };
}

function grow(buf, used, size) {
  const bigger = new Uint8Array(size);
  bigger.set(buf.subarray(0, used));
  return bigger;
}

async function get(url, signal) {
  let res;
  try {
    res = await fetch(url, { signal, credentials: 'same-origin', referrerPolicy: 'no-referrer' });
  } catch (e) {
    throw new LoadError(`Download of ${url} failed: ${e.message}`, 'network');
  }
  if (!res.ok) throw new LoadError(`Download of ${url} failed: HTTP ${res.status} ${res.statusText}`, 'http');
  return res;
}

// compileAsset compiles a manifest entry's wasm ({url, sha256, bytes}) as it
// streams in — from the cache, keyed by its hash, or from the network — and
// resolves with {module, fromCache, bytes, verified} as soon as the module
// is compiled. verified settles once a download's bytes are checked against
// the hash (rejecting if they do not match: the module must not be used
// then), and a download is cached once they are and `later` has settled.
// what names the file in errors.
export async function compileAsset(asset, what, onProgress, later) {
  const mismatch = () => new LoadError(`${what} does not match its published hash (stale or corrupted download). Reload the page.`, 'wasm-checksum');
  const hit = await cachedResponse(asset.sha256);
  if (hit) {
    onProgress?.(asset.bytes, asset.bytes); // all there: whoever waits for the bytes need not wait for the compiler
    return { module: await WebAssembly.compileStreaming(hit), fromCache: true, bytes: asset.bytes, verified: Promise.resolve() };
  }
  const res = await get(asset.url);
  // The compiler reads one copy of the stream, this function keeps the
  // other (for the hash and the cache) in a buffer of the published size.
  const bytes = new Uint8Array(asset.bytes);
  let loaded = 0;
  const keep = new TransformStream({
    transform(chunk, out) {
      if (loaded + chunk.length <= bytes.length) bytes.set(chunk, loaded);
      loaded += chunk.length;
      onProgress?.(loaded, bytes.length);
      out.enqueue(chunk);
    },
  });
  let module;
  try {
    module = await WebAssembly.compileStreaming(new Response(res.body.pipeThrough(keep), { headers: { 'content-type': 'application/wasm' } }));
  } catch (e) {
    // A truncated or stale download fails to compile: say that, not why.
    if (loaded !== asset.bytes) throw mismatch();
    throw e;
  }
  const verified = (async () => {
    if (loaded !== asset.bytes || (await sha256(bytes)) !== asset.sha256) throw mismatch();
    storeBytes(asset.sha256, bytes, 'application/wasm', later);
  })();
  verified.catch(() => {}); // the caller awaits it
  return { module, fromCache: false, bytes: asset.bytes, verified };
}

// Downloads for the worker: the wasm and model files, with byte-level
// progress, kept in the Cache API under their content hash so that a reload
// downloads nothing, and the model's checksum verified with WebCrypto
// (Go's SHA-256 compiled to wasm is several times slower).

const CACHE_NAME = 'resnet-v1';
const HEADER_SIZE = 64;
const MAGIC = 'RESNETGO';
const FORMAT_VERSION = 1;

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

export async function cachedBytes(sha256) {
  const cache = await openCache();
  const hit = cache && (await cache.match(hashKey(sha256)));
  return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
}

export async function storeBytes(sha256, bytes, type) {
  const cache = await openCache();
  if (!cache) return;
  try {
    await cache.put(hashKey(sha256), new Response(bytes, { headers: { 'content-type': type } }));
  } catch {
    // Quota exceeded: the next visit downloads again, which is correct.
  }
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
  if (version !== FORMAT_VERSION) {
    throw new LoadError(`Unsupported model file version ${version} (this page reads version ${FORMAT_VERSION}).`, 'model-version');
  }
  const length = Number(dv.getBigUint64(16, true));
  return { length, sha256: hex(b.subarray(24, 56)) };
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

// download reads a response body chunk by chunk, calling onProgress(loaded,
// total). total comes from `expect` or Content-Length; onFirst lets the
// caller look at the first bytes (the model header) and abort by returning
// a value, which download then returns instead of the body.
export async function download(url, { expect = 0, onProgress, onFirst, firstBytes = 0 } = {}) {
  const ctrl = new AbortController();
  let res;
  try {
    res = await fetch(url, { signal: ctrl.signal, credentials: 'same-origin', referrerPolicy: 'no-referrer' });
  } catch (e) {
    throw new LoadError(`Download of ${url} failed: ${e.message}`, 'network');
  }
  if (!res.ok) throw new LoadError(`Download of ${url} failed: HTTP ${res.status} ${res.statusText}`, 'http');
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
      if (loaded + value.length > buf.length) {
        const bigger = new Uint8Array(Math.max(buf.length * 2, loaded + value.length));
        bigger.set(buf.subarray(0, loaded));
        buf = bigger;
      }
      buf.set(value, loaded);
      const before = loaded;
      loaded += value.length;
      if (onFirst && before < firstBytes && loaded >= firstBytes) {
        const r = await onFirst(buf.subarray(0, loaded));
        if (r && r.stop) {
          ctrl.abort();
          return { stopped: r.value };
        }
        if (r && r.total) total = r.total;
      }
      onProgress?.(loaded, total);
    }
  } catch (e) {
    if (e instanceof LoadError) throw e;
    throw new LoadError(`Download of ${url} was interrupted: ${e.message}`, 'network');
  }
  if (onFirst && loaded < firstBytes) await onFirst(buf.subarray(0, loaded));
  return { bytes: buf.length === loaded ? buf : buf.slice(0, loaded) };
}

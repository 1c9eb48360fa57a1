// The service worker: after one visit the page opens and classifies with
// the network off. It keeps the page's own files (the "shell": HTML, the
// modules, the style, manifest.json, the thumbnails, the icons, the Go glue
// and the kernel loader). The big files — the engine's wasm, the kernel
// modules and the models — are not its business: the page itself keeps them
// in Cache Storage under their SHA-256 (web/loader.js) and finds them there
// from manifest.json's hashes without a request.
//
// Files are fetched from the network first while online, so a deployment is
// seen on the next visit and replaces what was kept; the kept copy answers
// only when the network does not. Versioned URLs (?v=<content hash>) never
// change, so they are answered from the cache, and older versions of the
// same file are dropped when a new one is kept.

const SHELL = 'resnet-shell-v1';

// OWN are the kinds of file that are the page's own, by path: its modules,
// style, web app manifest and icons, the file list, thumbnails and the
// credits. Anything else — the big files kept by hash by the page, photos
// fetched by the image URL field, whatever a test serves — goes to the
// network untouched. Decided from the URL alone: respondWith must be called
// at once.
const OWN = /(\.(m?js|css|webmanifest|md)|\/manifest\.json|\/icons\/[^/]+\.png|\/thumbs\/[^/]+\.jpg)$/;
const BIG = /\/(models\/|wasm\/resnet(-shared)?\.wasm$|wasm\/kernels\/[^/]+\.wasm$)/;

self.addEventListener('install', (ev) => {
  ev.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      // ?sw names this request in server logs (and tests that count the
      // page's own fetches of the manifest); servers ignore the query.
      const res = await fetch('manifest.json?sw', { cache: 'no-cache' });
      if (!res.ok) throw new Error(`manifest.json: HTTP ${res.status}`);
      const m = await res.clone().json();
      const urls = new Set(['./', ...(m.shell || []), m.wasmExec, m.kernels?.loader, m.kernels?.pool, ...(m.samples || []).map((s) => s.thumb)]);
      urls.delete(undefined);
      await Promise.all(
        [...urls].map(async (u) => {
          const r = await fetch(new Request(u, { cache: 'no-cache' }));
          if (r.ok) await keep(cache, new Request(u), r);
        }),
      );
      await cache.put(new Request('manifest.json'), res);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (ev) => {
  ev.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith('resnet-shell-') && name !== SHELL) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (ev) => {
  const req = ev.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== location.origin || BIG.test(url.pathname) || req.headers.has('range')) return;
  if (req.mode !== 'navigate' && !OWN.test(url.pathname)) return;
  ev.respondWith((url.searchParams.has('v') ? cacheFirst(req) : networkFirst(req, ev)).then(isolated));
});

// isolated adds the headers that make the page cross-origin isolated
// (COOP same-origin, COEP require-corp) to what this worker answers, as a
// server would (cmd/serve sends them): an isolated page may share memory,
// which the engine's thread pool needs (web/resnet.js, threadPlan). So a
// static host that cannot set headers still gets threads, from the first
// visit the service worker controls — the next one. Everything the page
// loads is same-origin, which require-corp allows.
function isolated(res) {
  if (!res || res.status === 0 || res.type === 'opaqueredirect') return res;
  const headers = new Headers(res.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

async function networkFirst(req, ev) {
  const cache = await caches.open(SHELL);
  try {
    const res = await fetch(req);
    if (res.ok && res.type === 'basic') await keep(cache, req, res.clone());
    // A new file list may name files this worker has not kept yet (a new
    // module in a deployment): keep them now, for the next visit offline.
    if (res.ok && /\/manifest\.json$/.test(new URL(req.url).pathname)) ev.waitUntil(keepMissing(cache, res.clone()));
    return res;
  } catch (e) {
    const hit = await cache.match(req, { ignoreSearch: isPage(req) });
    if (hit) return hit;
    throw e;
  }
}

async function cacheFirst(req) {
  const cache = await caches.open(SHELL);
  const hit = await cache.match(req);
  if (hit) return hit;
  const res = await fetch(req);
  if (res.ok && res.type === 'basic') await keep(cache, req, res.clone());
  return res;
}

async function keepMissing(cache, res) {
  try {
    const m = await res.json();
    for (const u of [...(m.shell || []), m.wasmExec, m.kernels?.loader, m.kernels?.pool, ...(m.samples || []).map((s) => s.thumb)]) {
      if (!u || (await cache.match(u))) continue;
      const r = await fetch(u);
      if (r.ok) await keep(cache, new Request(u), r);
    }
  } catch {
    // offline again, or a bad list: the next visit tries again
  }
}

// isPage: the page itself answers for any of its addresses (?model=…).
function isPage(req) {
  return req.mode === 'navigate';
}

// keep stores a response, replacing other versions of the same path.
async function keep(cache, req, res) {
  const url = new URL(req.url);
  if (url.searchParams.has('v')) {
    for (const old of await cache.keys()) {
      const o = new URL(old.url);
      if (o.pathname === url.pathname && o.search !== url.search) await cache.delete(old);
    }
  }
  // A navigation to /?model=… is kept as the page itself.
  const key = req.mode === 'navigate' ? new Request(new URL('./', location.href).href) : req;
  await cache.put(key, res);
}

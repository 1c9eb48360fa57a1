// The page's first script. index.html loads it as an async module ahead of
// the rest, so it runs as soon as it (and resnet.js) arrive, before the other
// modules and the first layout: it starts the engine's worker, asks for the
// manifest and starts the first model's download, so that the worker's own
// start, the wasm download and compile and the model download all overlap
// with the rest of the page loading. app.js takes over what it began (the
// Engine shares a load already in flight).

import { Engine } from './resnet.js';

performance.mark('resnet:boot');
const query = new URLSearchParams(location.search);

// manifest is a Promise of the server's manifest.json.
// The server marks it no-cache: always current.
export const manifest = fetch('manifest.json').then(async (res) => {
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const m = await res.json();
  performance.mark('resnet:manifest');
  return m;
});
manifest.catch(() => {}); // app.js shows the error

// firstModel is the model the page loads at start: ?model=URL, else the
// server's default without its ?v= cache buster (what a person would type).
export function firstModel(m) {
  return query.get('model') || m.defaultModel?.replace(/\?v=[0-9a-f]+$/, '') || null;
}

// asksFirst says whether the first model waits for the visitor's go-ahead:
// with Data Saver on (navigator.connection.saveData), tens of megabytes are
// not downloaded unasked — unless the model is in the cache already (the
// loader's list of stored hashes says so).
export function asksFirst(m) {
  if (!navigator.connection?.saveData) return false;
  const url = firstModel(m);
  const path = url && new URL(url, location.href).pathname;
  const listed = m.models?.find((x) => new URL(x.url, location.href).pathname === path);
  let stored = '';
  try {
    stored = localStorage.getItem('resnet-stored') || '';
  } catch {
    // no storage: nothing is known to be cached
  }
  return !(listed && stored.includes(listed.sha256));
}

// engine is the started Engine; null without WebAssembly, or the error
// that stopped it being made (a bad ?kernels= value). app.js explains both.
export const engine = create();

function create() {
  if (typeof WebAssembly !== 'object') return null;
  let e;
  try {
    // ?kernels=go runs the pure-Go kernels even where WebAssembly SIMD is
    // available (to compare the two, or to benchmark); ?kernels=simd insists.
    // ?threads=N splits the kernels over N threads (default: one per core,
    // where the page may share memory); ?threads=1 is the single thread.
    const threads = query.has('threads') ? Number(query.get('threads')) : null;
    e = new Engine(manifest, { kernels: query.get('kernels') || 'auto', threads });
  } catch (err) {
    return err;
  }
  e.start().catch(() => {}); // reported through the first load
  manifest.then(
    (m) => {
      const url = firstModel(m);
      if (url && !asksFirst(m)) e.loadModel(url).catch(() => {}); // app.js asks for the same load and reports it
    },
    () => {},
  );
  return e;
}

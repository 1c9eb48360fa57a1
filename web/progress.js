// One progress figure for everything a first visit downloads — the engine's
// wasm and the model — as a percentage with the time left, instead of one
// bar per file that fills and restarts. Parts are added with the size they
// will have (from the manifest, or from the model's header once it is in);
// a part found in the cache counts as done and does not distort the rate.

export class DownloadProgress {
  constructor() {
    this.parts = new Map(); // name → {loaded, total}
    this.rate = 0; // bytes per second, smoothed
    this.last = null; // {t, loaded} of the previous network update
  }

  // expect announces a part before its first byte (its size is known).
  expect(name, total) {
    if (!this.parts.has(name)) this.parts.set(name, { loaded: 0, total });
  }

  // update records a part's progress; a first report that is already
  // complete is a cache hit, not a download.
  update(name, loaded, total) {
    const p = this.parts.get(name);
    const cached = (!p || p.loaded === 0) && total > 0 && loaded >= total;
    this.parts.set(name, { loaded, total: total || Math.max(p?.total || 0, loaded) });
    const now = performance.now();
    const sum = this.loaded;
    if (!cached && this.last && now > this.last.t) {
      const r = ((sum - this.last.loaded) * 1000) / (now - this.last.t);
      // Smooth over about a second of updates, so the estimate does not jump.
      const a = Math.min(1, (now - this.last.t) / 1000);
      this.rate = this.rate ? this.rate + a * (r - this.rate) : r;
    }
    this.last = { t: now, loaded: sum };
    if (this.started === undefined && !cached) this.started = now;
  }

  // done marks every part complete (the model is in, whatever was reported).
  done() {
    for (const p of this.parts.values()) p.loaded = p.total;
  }

  get loaded() {
    let n = 0;
    for (const p of this.parts.values()) n += p.loaded;
    return n;
  }

  get total() {
    let n = 0;
    for (const p of this.parts.values()) n += p.total;
    return n;
  }

  get left() {
    return Math.max(0, this.total - this.loaded);
  }

  // secondsLeft is null until there is a rate worth trusting (half a second
  // of downloading).
  get secondsLeft() {
    if (!this.rate || this.started === undefined || performance.now() - this.started < 500) return null;
    return this.left / this.rate;
  }

  get fraction() {
    return this.total ? this.loaded / this.total : 0;
  }
}

// formatDuration: "about 12 s", "about 2 min".
export function formatDuration(s) {
  if (s === null || !Number.isFinite(s)) return '';
  if (s < 1.5) return 'a second';
  if (s < 90) return `${Math.round(s)} s`;
  return `${Math.round(s / 60)} min`;
}

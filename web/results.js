// Rendering of results: top-5 bars, the crop the model saw, timing lines
// and the first-run/warm table. DOM is built with textContent only (the CSP
// enforces Trusted Types, so HTML strings could not be parsed anyway).

const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

export function pct(p) {
  const v = p * 100;
  return v >= 10 ? `${v.toFixed(1)}%` : v >= 0.1 ? `${v.toFixed(2)}%` : '<0.1%';
}

export function ms(v) {
  if (v === undefined || v === null || Number.isNaN(v)) return '–';
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`;
}

// renderTop fills an <ol> with labelled bars; each item reads as one phrase
// ("tabby, 87.2%") to a screen reader, the bar itself is decoration.
export function renderTop(ol, top) {
  const items = top.map((p) => {
    const li = el('li');
    li.append(el('span', 'label', p.label), el('span', 'pct', pct(p.prob)));
    const bar = el('span', 'bar');
    bar.setAttribute('aria-hidden', 'true');
    const fill = el('span');
    fill.style.setProperty('--p', String(Math.max(0, Math.min(1, p.prob))));
    bar.append(fill);
    li.append(bar);
    return li;
  });
  ol.replaceChildren(...items);
}

export function drawCrop(canvas, crop) {
  if (!crop) return;
  canvas.width = crop.width;
  canvas.height = crop.height;
  canvas.getContext('2d').putImageData(crop, 0, 0);
}

// Stages in display order; the worker and the engine name them.
export const STAGES = [
  ['download', 'Download'],
  ['compile', 'Compile (wasm)'],
  ['verify', 'Verify checksum'],
  ['load', 'Model load'],
  ['capture', 'Capture frame'],
  ['probe', 'Read header'],
  ['browserDecode', 'Decode (browser)'],
  ['downscale', 'Downscale (browser)'],
  ['readback', 'Read pixels'],
  ['decode', 'Decode'],
  ['preprocess', 'Preprocess'],
  ['inference', 'Inference'],
  ['cam', 'Activation maps'],
  ['total', 'Total (engine)'],
  ['roundtrip', 'Total (page)'],
];

export function timingLine(t) {
  const parts = [];
  for (const [k, name] of STAGES) if (t[k] !== undefined) parts.push(`${name.toLowerCase()} ${ms(t[k])}`);
  return parts.join(' · ');
}

// TimingTable keeps the first classification after a model load and the
// latest one, beside the start-up stages.
export class TimingTable {
  constructor(tbody) {
    this.tbody = tbody;
    this.startup = {};
    this.first = null;
    this.warm = null;
  }

  setStartup(s) {
    this.startup = s;
    this.first = this.warm = null;
    this.render();
  }

  add(t) {
    if (t.first || !this.first) this.first = t;
    else this.warm = t;
    this.render();
  }

  render() {
    const rows = [];
    const s = this.startup;
    const startRows = [
      ['Download + compile wasm', s.wasmDownload, s.wasmCached],
      ['Start engine (Go)', s.start],
      ['Download model', s.modelDownload, s.modelCached],
      ['Verify model (SHA-256)', s.verify],
      ['Load model', s.load],
    ];
    for (const [name, v, cached] of startRows) {
      if (v === undefined) continue;
      const tr = el('tr');
      tr.append(el('th', '', name), el('td', '', ms(v) + (cached ? ' (cache)' : '')), el('td', '', ''));
      tr.firstChild.scope = 'row';
      rows.push(tr);
    }
    for (const [k, name] of STAGES.slice(4)) {
      const a = this.first?.[k];
      const b = this.warm?.[k];
      if (a === undefined && b === undefined) continue;
      const tr = el('tr');
      tr.append(el('th', '', name), el('td', '', ms(a)), el('td', '', ms(b)));
      tr.firstChild.scope = 'row';
      rows.push(tr);
    }
    this.tbody.replaceChildren(...rows);
  }
}

export function formatBytes(n) {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)} kB`;
  return `${n} B`;
}

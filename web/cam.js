// "Where the model looked": class activation maps (engine/cam.go) drawn
// over the crop the model saw and over the photo, mapped back through the
// crop and resize; a colour legend; a sentence for screen readers; and the
// top-5 labels as buttons that switch the map to their class. The worker
// returns the maps of every top-k class with the result (classify(…,
// {cam: true}).cams), so a click costs no inference.

// ALPHA is how much of the heat's colour covers the picture, as the command
// line's -cam-png draws it (cmd/classify/campng.go).
const ALPHA = 0.5;

// viridis maps t in [0, 1] to matplotlib's viridis (perceptually uniform:
// ordered and even in lightness, readable with colour-vision deficiency and
// in grey) — Matt Zucker's degree-6 fit (CC0), the same as campng.go.
const C = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];
export function viridis(t) {
  t = Math.min(1, Math.max(0, t));
  return [0, 1, 2].map((j) => {
    let v = 0;
    for (let i = 6; i >= 0; i--) v = v * t + C[i][j];
    return Math.round(255 * Math.min(1, Math.max(0, v)));
  });
}
const LUT = new Uint8Array(256 * 3);
for (let i = 0; i < 256; i++) LUT.set(viridis(i / 255), 3 * i);

// positive is the map's evidence for its class, 0…1: max(v, 0) / max.
function positive(cam) {
  const top = Math.max(0, ...cam.map);
  return cam.map.map((v) => (top > 0 ? Math.max(0, v) / top : 0));
}

// heatImage renders a map at size×size: bilinear, cell centres on the pixel
// grid (as a feature cell sits over its input), coloured by the LUT. Eight
// pixels a cell are enough: the canvas's own smoothing scales that up to
// the screen, and colouring 224×224 pixels in JavaScript would cost more
// than the map itself.
function heatImage(cam, size) {
  const [h, w] = cam.size;
  const p = Float32Array.from(positive(cam));
  const img = new ImageData(size, size);
  const d = img.data;
  // Per output column (and row): the two source cells and the weight of the second.
  const axis = (n) => {
    const i0 = new Int32Array(size);
    const i1 = new Int32Array(size);
    const f = new Float32Array(size);
    for (let o = 0; o < size; o++) {
      const s = Math.min(n - 1, Math.max(0, ((o + 0.5) * n) / size - 0.5));
      i0[o] = Math.floor(s);
      i1[o] = Math.min(i0[o] + 1, n - 1);
      f[o] = s - i0[o];
    }
    return { i0, i1, f };
  };
  const X = axis(w);
  const Y = axis(h);
  for (let y = 0, o = 0; y < size; y++) {
    const r0 = Y.i0[y] * w;
    const r1 = Y.i1[y] * w;
    const fy = Y.f[y];
    for (let x = 0; x < size; x++, o += 4) {
      const x0 = X.i0[x];
      const x1 = X.i1[x];
      const fx = X.f[x];
      const top = p[r0 + x0] + (p[r0 + x1] - p[r0 + x0]) * fx;
      const bot = p[r1 + x0] + (p[r1 + x1] - p[r1 + x0]) * fx;
      const c = 3 * Math.round(255 * (top + (bot - top) * fy));
      d[o] = LUT[c];
      d[o + 1] = LUT[c + 1];
      d[o + 2] = LUT[c + 2];
      d[o + 3] = 255;
    }
  }
  return img;
}

const ROWS = ['top', 'centre', 'bottom'];
const COLS = ['left', 'centre', 'right'];

// describe says in words where a map's positive mass lies, on a 3×3 grid of
// the square the model saw ("mostly the centre-left", "the centre most
// (35% of the evidence), then the top (14%)"); cells on a border count in
// proportion.
export function describe(cam) {
  const [h, w] = cam.size;
  const p = positive(cam);
  const share = Array.from({ length: 9 }, () => 0);
  const part = (i, n, k) => Math.max(0, Math.min((i + 1) / n, (k + 1) / 3) - Math.max(i / n, k / 3)) * n;
  let all = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = p[y * w + x];
      all += v;
      for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) share[3 * r + c] += v * part(y, h, r) * part(x, w, c);
    }
  }
  if (all === 0) return 'nowhere in particular: no part of the image counts for this class';
  const order = [...share.keys()].sort((a, b) => share[b] - share[a]);
  const name = (k) => {
    const r = ROWS[Math.floor(k / 3)];
    const c = COLS[k % 3];
    return r === 'centre' && c === 'centre' ? 'the centre' : r === 'centre' ? `the centre-${c}` : c === 'centre' ? `the ${r}` : `the ${r}-${c}`;
  };
  const pct = (k) => Math.round((100 * share[k]) / all);
  const [a, b] = order;
  if (pct(a) >= 50) return `mostly ${name(a)} (${pct(a)}% of the evidence)`;
  if (pct(a) >= 20) return `${name(a)} most (${pct(a)}% of the evidence), then ${name(b)} (${pct(b)}%)`;
  return 'spread over the whole image';
}

const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

// stack wraps an element in a positioned box and lays a canvas (or an
// image) over it.
function stack(target, tag) {
  const box = el('span', 'cam-stack');
  target.replaceWith(box);
  const over = el(tag, 'cam-over');
  over.setAttribute('role', 'img');
  box.append(target, over);
  return over;
}

// showCAM adds "where the model looked" to a result card: r is the result of
// classify(…, {cam: true}), info the model's (its resize and crop sizes).
export function showCAM(card, r, info) {
  if (!r.cams?.length) return;
  const crop = card.querySelector('.crop canvas');
  const thumb = card.querySelector('.thumb');
  const overCrop = stack(crop, 'canvas');
  // Over the photo, an image drawn off screen: the crop canvas stays the
  // card's first canvas, which other code reads back as what the model saw.
  const overThumb = thumb ? stack(thumb, 'img') : null;
  overThumb?.setAttribute('alt', '');

  const panel = el('div', 'cam-panel');
  // One control per card picks the class (or none): a single tab stop, so
  // that a page of results stays quick to cross with the keyboard. The
  // top-5 rows do the same on a click.
  const toggle = el('label', 'cam-choose');
  const select = el('select', 'cam-select');
  r.cams.forEach((c, i) => select.append(new Option(r.top[i]?.label ?? `class ${c.index}`, String(i))));
  select.append(new Option('nothing (hide the heatmap)', 'none'));
  toggle.append('Where the model looked for ', select);
  const legend = el('div', 'cam-legend');
  legend.setAttribute('aria-hidden', 'true');
  const bar = el('canvas', 'cam-legend-bar');
  bar.width = 128;
  bar.height = 1;
  const g = bar.getContext('2d').createImageData(128, 1);
  for (let i = 0; i < 128; i++) g.data.set([...viridis(i / 127), 255], 4 * i);
  bar.getContext('2d').putImageData(g, 0, 0);
  legend.append(el('span', '', 'no evidence'), bar, el('span', '', 'most evidence'));
  const where = el('p', 'cam-where');
  where.setAttribute('aria-live', 'polite');
  panel.append(toggle, legend, where);
  card.querySelector('.media').after(panel);

  let current = 0;
  const src = new OffscreenCanvas(1, 1); // the heat at 8 pixels a cell
  const off = new OffscreenCanvas(1, 1); // the photo's overlay, before it becomes an image
  const draw = (i) => {
    const t = performance.now();
    current = i;
    const cam = r.cams[i];
    const label = r.top[i]?.label ?? `class ${cam.index}`;
    const heat = heatImage(cam, 8 * Math.max(...cam.size));
    paint(src, heat.width, heat.height, (ctx) => ctx.putImageData(heat, 0, 0));
    const text = `Where the model looked for “${label}”: ${describe(cam)}.`;
    // Canvases are drawn at a fixed resolution and stretched by CSS over
    // what they cover: reading the boxes' sizes would force a layout.
    paint(overCrop, crop.width, crop.height, (ctx, W, H) => {
      ctx.globalAlpha = ALPHA;
      ctx.drawImage(src, 0, 0, W, H);
    });
    overCrop.setAttribute('aria-label', text);
    if (overThumb && thumb.naturalWidth) {
      const s = Math.min(1, PHOTO_SIDE / Math.max(thumb.naturalWidth, thumb.naturalHeight));
      paint(off, Math.round(s * thumb.naturalWidth), Math.round(s * thumb.naturalHeight), (ctx, W, H) => {
        // The crop is the centre square of side crop/resize of the shorter
        // side (resize, then centre-crop): the rest is dimmed.
        const side = (Math.min(W, H) * (info.crop || 224)) / (info.resize || 256);
        const x = (W - side) / 2;
        const y = (H - side) / 2;
        ctx.globalAlpha = 1;
        ctx.fillStyle = 'rgba(0, 0, 0, 0.45)';
        ctx.fillRect(0, 0, W, H);
        ctx.clearRect(x, y, side, side);
        ctx.globalAlpha = ALPHA;
        ctx.drawImage(src, x, y, side, side);
      });
      overThumb.setAttribute('aria-label', text);
      const drawn = i;
      off.convertToBlob().then((blob) => {
        if (drawn !== current) return; // another class was picked meanwhile
        URL.revokeObjectURL(overThumb.src);
        overThumb.src = URL.createObjectURL(blob);
        overThumb.decode().then(() => {
          if (drawn === current) card.dataset.camPhotoMs = (performance.now() - t).toFixed(3);
        }, () => {});
      });
    }
    where.textContent = text;
    card.dataset.camIndex = String(cam.index);
    select.value = String(i);
    for (const [j, li] of rows.entries()) li.classList.toggle('cam-on', j === i);
    delete card.dataset.camPhotoMs;
    card.dataset.camDrawMs = (performance.now() - t).toFixed(3);
  };

  const show = (on) => {
    for (const c of [overCrop, overThumb]) if (c) c.hidden = !on;
    legend.hidden = where.hidden = !on;
  };
  const pick = (i) => {
    show(true);
    draw(i);
  };
  select.addEventListener('change', () => (select.value === 'none' ? show(false) : pick(Number(select.value))));
  const rows = [...card.querySelectorAll('.top5 li')];
  rows.forEach((li, i) => {
    if (!r.cams[i]) return;
    li.classList.add('cam-pickable');
    li.title = 'Show where the model looked for this class';
    li.addEventListener('click', () => pick(i));
  });
  // The photo's size is known once it has loaded.
  if (thumb && !thumb.complete) thumb.addEventListener('load', () => draw(current), { once: true });
  draw(0);
}

// PHOTO_SIDE bounds the longer side of the photo's overlay, in pixels: the
// thumbnail is shown at most 320 CSS pixels wide.
const PHOTO_SIDE = 640;

// paint sizes a canvas to W×H and draws on it.
function paint(canvas, W, H, f) {
  if (canvas.width !== W) canvas.width = W;
  if (canvas.height !== H) canvas.height = H;
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'low'; // bilinear, as heatImage
  ctx.clearRect(0, 0, W, H);
  f(ctx, W, H);
}

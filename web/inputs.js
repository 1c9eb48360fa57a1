// Every way an image gets in: file picker, drop anywhere, paste, URL field,
// sample gallery. Each hands a Blob (with a display name) to `submit`.

const MAX_URL_BYTES = 64 << 20;

export function wireInputs({ submit, showError }) {
  const $ = (id) => document.getElementById(id);

  // Space opens the chooser of a focused file input in every browser;
  // Enter, which people press on a button, does not by itself.
  $('files').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      ev.target.click();
    }
  });

  $('files').addEventListener('change', (ev) => {
    const files = [...ev.target.files];
    ev.target.value = ''; // choosing the same file again fires change again
    submitFiles(files, submit, showError);
  });

  // Drag and drop anywhere on the page. A depth counter, because dragenter
  // and dragleave fire for every child element crossed.
  const overlay = $('drop-overlay');
  let depth = 0;
  const isFileDrag = (ev) => [...(ev.dataTransfer?.types || [])].some((t) => t === 'Files' || t === 'text/uri-list');
  window.addEventListener('dragenter', (ev) => {
    if (!isFileDrag(ev)) return;
    ev.preventDefault();
    depth++;
    overlay.hidden = false;
  });
  window.addEventListener('dragover', (ev) => {
    if (!isFileDrag(ev)) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = 'copy';
  });
  window.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) overlay.hidden = true;
  });
  window.addEventListener('drop', (ev) => {
    ev.preventDefault();
    depth = 0;
    overlay.hidden = true;
    const files = [...(ev.dataTransfer?.files || [])];
    if (files.length) {
      submitFiles(files, submit, showError);
      return;
    }
    // An image dragged from another page arrives as a URL.
    const url = (ev.dataTransfer?.getData('text/uri-list') || '').split('\n').find((l) => l && !l.startsWith('#'));
    if (url) fetchURL(url.trim(), submit, showError);
  });

  document.addEventListener('paste', (ev) => {
    const items = [...(ev.clipboardData?.items || [])];
    const files = items.filter((i) => i.kind === 'file' && i.type.startsWith('image/')).map((i) => i.getAsFile()).filter(Boolean);
    if (files.length) {
      ev.preventDefault();
      files.forEach((f, i) => submit(f, f.name && f.name !== 'image.png' ? f.name : `pasted image ${i + 1}`));
      return;
    }
    // A pasted URL outside a text field classifies that URL.
    const inField = ev.target instanceof HTMLInputElement || ev.target instanceof HTMLTextAreaElement;
    const text = ev.clipboardData?.getData('text/plain')?.trim();
    if (!inField && text && /^https?:\/\/\S+$/.test(text)) {
      ev.preventDefault();
      fetchURL(text, submit, showError);
    }
  });

  $('url-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const url = $('image-url').value.trim();
    if (url) fetchURL(url, submit, showError);
  });
}

function submitFiles(files, submit, showError) {
  const images = files.filter((f) => !f.type || f.type.startsWith('image/'));
  const skipped = files.filter((f) => !images.includes(f)).map((f) => `“${f.name}”`);
  if (skipped.length) showError(`Skipped, not ${skipped.length > 1 ? 'images' : 'an image'}: ${skipped.join(', ')}.`);
  else showError('');
  for (const f of images) submit(f, f.name);
}

// fetchURL reads an image by URL. The request carries nothing of the user's:
// no credentials, no referrer; it is a GET of a public resource.
export async function fetchURL(url, submit, showError) {
  let u;
  try {
    u = new URL(url, location.href);
  } catch {
    showError(`“${url}” is not a valid URL.`);
    return;
  }
  if (u.protocol !== 'https:' && u.origin !== location.origin) {
    showError('Only https: image URLs can be fetched (or images on this server).');
    return;
  }
  showError('');
  let res;
  try {
    res = await fetch(u.href, { mode: 'cors', credentials: 'omit', referrerPolicy: 'no-referrer' });
  } catch {
    showError(`Could not fetch ${u.href}: the server is unreachable or does not allow other sites to read its images (CORS).`);
    return;
  }
  if (!res.ok) {
    showError(`Could not fetch ${u.href}: HTTP ${res.status}.`);
    return;
  }
  const len = Number(res.headers.get('content-length')) || 0;
  if (len > MAX_URL_BYTES) {
    showError(`That image is too large (${len} bytes).`);
    return;
  }
  const blob = await res.blob();
  const name = decodeURIComponent(u.pathname.split('/').pop() || u.host);
  submit(blob, name);
}

// renderGallery makes a button per sample, with the server's small
// thumbnail (a few kB: it loads at once, even while the model downloads).
export function renderGallery(list, samples, submit, showError) {
  const items = samples.slice(0, 12).map((s) => {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.title = s.name;
    b.setAttribute('aria-label', `Classify sample: ${s.name.replaceAll(/[-_]/g, ' ')}`);
    const img = document.createElement('img');
    img.src = s.thumb || s.url;
    img.alt = '';
    img.decoding = 'async';
    b.append(img);
    b.addEventListener('click', () => fetchURL(s.url, submit, showError));
    li.append(b);
    return li;
  });
  list.replaceChildren(...items);
}

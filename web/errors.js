// Plain words for an image the page could not classify: the engine's
// errors name formats and codes; a visitor needs to know what is wrong with
// their file and what to do. The first bytes say what the file really is,
// whatever its name claims.

const ascii = (b, from, to) => String.fromCharCode(...b.subarray(from, to));

// sniff names what the first bytes of a file are: an image format we
// decode, a phone format we do not (HEIC, AVIF), or null for not an image.
export function sniff(b) {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'JPEG';
  if (b.length >= 8 && ascii(b, 1, 4) === 'PNG') return 'PNG';
  if (b.length >= 4 && ascii(b, 0, 4) === 'GIF8') return 'GIF';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'WebP';
  if (b.length >= 2 && ascii(b, 0, 2) === 'BM') return 'BMP';
  if (b.length >= 12 && ascii(b, 4, 8) === 'ftyp') {
    const brand = ascii(b, 8, 12);
    if (/^(heic|heix|hevc|hevx|heim|heis|mif1|msf1)$/.test(brand)) return 'HEIC';
    if (/^avi[fs]$/.test(brand)) return 'AVIF';
  }
  return null;
}

// HOW_TO_JPEG tells an iPhone or Mac user how to get a photo we can read.
const HOW_TO_JPEG =
  'Save it as a JPEG first: on an iPhone, choose Settings → Camera → Formats → Most Compatible for new photos, ' +
  'or share the photo to Files and pick “JPEG”; on a Mac, open it in Preview and choose File → Export… → JPEG.';

// explain turns a failed classification of the file `name` into a sentence.
// head is the file's first bytes (or null for pixels, which never fail on
// their format).
export function explain(err, name, head) {
  const what = `“${name}”`;
  if (err?.code !== 'format' && err?.code !== 'image') return `${what}: ${err?.message || err}`;
  const kind = head ? sniff(head) : null;
  if (kind === 'HEIC') return `${what} is a HEIC photo (the iPhone's format), which this browser cannot decode. ${HOW_TO_JPEG}`;
  if (kind === 'AVIF') return `${what} is an AVIF image, which this browser cannot decode. Convert it to JPEG or PNG and try again.`;
  // A damaged file, or one over the pixel limit: Go's message says which.
  if (kind) return `${what} could not be read as a ${kind} image: ${err.message}.`;
  return `${what} is not an image: its contents are not a picture in any format (JPEG, PNG, GIF, WebP, BMP).`;
}

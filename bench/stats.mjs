// Small statistics and formatting helpers shared by the bench modules.

export function summary(xs) {
  const v = xs.filter((x) => Number.isFinite(x));
  if (!v.length) return null;
  const s = [...v].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { median, min: s[0], max: s[n - 1], n };
}

// fmt: "median (min–max)" with a precision that suits the magnitude.
export function fmt(st, unit = '') {
  if (!st) return '—';
  const f = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  return `${f(st.median)}${unit} (${f(st.min)}–${f(st.max)})`;
}

export function mb(bytes) {
  return bytes == null ? '—' : `${(bytes / 1e6).toFixed(2)} MB`;
}

export function ratio(a, b) {
  return a == null || b == null || !b ? null : a / b;
}

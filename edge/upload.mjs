// Reads an upload to the end before any engine work: bounded by the size
// limit, and by deadlines, so that a slow, stalled or hostile client costs
// only its own request and is told what went wrong.

// Keep equal to MaxBody in handler.go (which checks again).
export const MAX_BODY = 16 << 20;
// A body that sends nothing for this long is abandoned (408). Long enough for
// a phone on a poor uplink between packets; short enough that a stalled
// client is told within seconds.
const DEFAULT_IDLE_MS = 10_000;
// A body that is still arriving after this long is abandoned (408): 16 MiB
// at 2 Mbit/s takes ~67 s; a photo of 3 MB, 12 s.
const DEFAULT_DEADLINE_MS = 90_000;
// A body over MAX_BODY is still read (and dropped) up to this size, so the
// client, still sending, reads the 413 instead of a reset connection;
// beyond it (Cloudflare's own request limit on the Free and Pro plans) the
// answer comes at once.
const DRAIN_MAX = 100 * 1000 * 1000;
// Before a body is called stalled, the stream gets this long once more to
// deliver what reached the socket while the thread was busy.
const GRACE_MS = 100;

// busy.ms is the time the isolate's thread spent in synchronous work that
// entry.mjs measures (the Go instance's calls). Bytes that reach the socket
// meanwhile are delivered only when the thread is free again, so that time is
// not the client's idleness. (Deployed, the clock stands still during
// execution and this stays near 0; the timers' lateness and the grace check
// below cover that case.)
export const busy = { ms: 0 };
const TICK = Symbol("tick");

function sleep(ms) {
  return new Promise((resolve) => setTimeout(() => resolve(), ms));
}

// nextChunk resolves with the reader's next result, or "idle" when the client
// has sent nothing for idleMs of the thread's free time, or "deadline". Only
// this request's own timers are awaited.
async function nextChunk(pending, idleMs, deadline) {
  const from = Date.now();
  const busyFrom = busy.ms;
  let late = 0; // how much later than asked this request's timers fired
  let wait = idleMs;
  for (;;) {
    wait = Math.max(1, Math.min(wait, deadline - Date.now()));
    let timer;
    const armed = Date.now();
    const tick = new Promise((resolve) => {
      timer = setTimeout(() => resolve(TICK), wait);
    });
    const got = await Promise.race([pending, tick]);
    clearTimeout(timer);
    if (got !== TICK) return got;
    const now = Date.now();
    late += Math.max(0, now - armed - wait);
    if (now >= deadline) return "deadline";
    const free = now - from - (busy.ms - busyFrom) - late;
    if (free < idleMs) {
      wait = idleMs - free;
      continue;
    }
    const last = await Promise.race([pending, sleep(GRACE_MS).then(() => TICK)]);
    if (last !== TICK) return last;
    return "idle";
  }
}

export function jsonError(status, message, headers = {}) {
  return new Response(JSON.stringify({ error: message }) + "\n", {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });
}

function ms(env, name, fallback) {
  const v = Number(env && env[name]);
  return v > 0 ? v : fallback;
}

// readUpload returns the body of POST /classify as a Uint8Array, or the
// Response that refuses it.
export async function readUpload(req, env) {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > DRAIN_MAX) {
    if (req.body) req.body.cancel().catch(() => {});
    return jsonError(413, `request body is larger than ${MAX_BODY} bytes (Content-Length: ${declared})`, {
      connection: "close",
    });
  }
  if (req.body === null) return new Uint8Array(0);

  const idleMs = ms(env, "BODY_IDLE_MS", DEFAULT_IDLE_MS);
  const deadlineMs = ms(env, "BODY_DEADLINE_MS", DEFAULT_DEADLINE_MS);
  const t0 = Date.now();
  const reader = req.body.getReader();
  const parts = [];
  let size = 0;
  try {
    for (;;) {
      // One pending read per chunk, raced again after each timer: no byte
      // is lost.
      const got = await nextChunk(reader.read(), idleMs, t0 + deadlineMs);
      if (got === "idle" || got === "deadline") {
        reader.cancel().catch(() => {});
        const of = declared !== null ? ` of ${declared}` : "";
        const why =
          got === "deadline"
            ? `was still arriving after ${deadlineMs} ms`
            : `stalled: no data for ${idleMs} ms`;
        return jsonError(408, `request body ${why} (${size}${of} bytes received); send the whole image at once`, {
          connection: "close",
        });
      }
      if (got.done) break;
      size += got.value.byteLength;
      if (size > DRAIN_MAX) {
        reader.cancel().catch(() => {});
        break;
      }
      if (size <= MAX_BODY) parts.push(got.value);
      else parts.length = 0; // over the limit: drain without keeping
    }
  } catch (e) {
    // The client went away or the stream broke: nobody may read the answer,
    // but it is JSON all the same.
    return jsonError(400, `reading the request body: ${e && e.message ? e.message : e}`);
  }
  if (size > MAX_BODY) {
    return jsonError(413, `request body is larger than ${MAX_BODY} bytes`, { connection: "close" });
  }
  // Refused only once read, so that a client still sending (curl -F) reads
  // the answer instead of a reset connection.
  const type = (req.headers.get("content-type") || "").toLowerCase();
  if (type.startsWith("multipart/form-data")) {
    return jsonError(
      415,
      "multipart/form-data is not accepted: send the raw image bytes as the request body, " +
        "e.g. curl --data-binary @photo.jpg …/classify",
    );
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    body.set(p, at);
    at += p.byteLength;
  }
  return body;
}

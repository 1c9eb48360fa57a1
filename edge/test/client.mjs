// A real HTTP client for uploads that misbehave: node:http writing the body
// in small chunks with pauses (a phone on a slow uplink), stalling with the
// connection open, or hanging up half-way. Used by uploads.test.mjs and
// scripts/edge-load.mjs.
import http from "node:http";

// upload POSTs body to /classify in chunks of `chunk` bytes, one every
// `everyMs`. stopAfter (bytes) stalls the upload there with the connection
// open; abortAfter destroys the connection there. Resolves with {status,
// json, text, ms} or {aborted: true}.
export function upload(url, body, { chunk = 16 << 10, everyMs = 20, stopAfter, abortAfter, headers = {} } = {}) {
  const u = new URL(`${url}/classify`);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname,
      port: u.port,
      path: u.pathname,
      method: "POST",
      headers: { "content-type": "image/png", "content-length": body.length, ...headers },
    });
    let sent = 0;
    let timer;
    req.on("response", (res) => {
      clearTimeout(timer);
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => {
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        req.destroy();
        resolve({ status: res.statusCode, headers: res.headers, text, json, ms: performance.now() - t0 });
      });
    });
    req.on("error", (e) => {
      clearTimeout(timer);
      if (abortAfter !== undefined) resolve({ aborted: true });
      else reject(e);
    });
    const step = () => {
      if (abortAfter !== undefined && sent >= abortAfter) {
        req.destroy();
        resolve({ aborted: true });
        return;
      }
      if (stopAfter !== undefined && sent >= stopAfter) return; // stall: keep the socket open
      const end = Math.min(sent + chunk, body.length);
      req.write(body.subarray(sent, end));
      sent = end;
      if (sent === body.length) req.end();
      else timer = setTimeout(step, everyMs);
    };
    req.flushHeaders(); // a stall before the first byte still sends the headers
    step();
  });
}


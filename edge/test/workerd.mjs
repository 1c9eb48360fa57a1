// Starts the edge worker in workerd (npm, pinned) on a free local port, for
// the tests and scripts/edge-bench.mjs. The worker must be built first
// (scripts/edge-build.sh). Every process started here is killed on stop()
// and, as a last resort, when this Node process exits.
import { spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const workerdBin = path.join(root, "node_modules/.bin/workerd");

const live = new Set();
process.on("exit", () => {
  for (const child of live) kill(child);
});

function kill(child) {
  try {
    process.kill(-child.pid, "SIGKILL"); // its whole process group
  } catch {
    // already gone
  }
  live.delete(child);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// startWorker resolves once the worker is ready, with {url, pid, stop,
// startMs, log()}. ready "healthz" waits for GET /healthz to answer 200 (so
// one Go instance has already run); "tcp" only for the port to accept, so
// that the first request meets a cold isolate.
export async function startWorker({ timeoutMs = 60_000, ready = "healthz" } = {}) {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(
    workerdBin,
    ["serve", "edge/workerd.capnp", "--socket-addr", `http=127.0.0.1:${port}`],
    { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  live.add(child);
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  let exited = null;
  child.on("exit", (code, signal) => (exited = { code, signal }));

  const url = `http://127.0.0.1:${port}`;
  const stop = () => kill(child);
  const deadline = t0 + timeoutMs;
  for (;;) {
    if (exited) {
      stop();
      throw new Error(`workerd exited (${JSON.stringify(exited)}) before serving:\n${log}`);
    }
    if (ready === "tcp" ? await accepts(port) : await healthy(url)) break;
    if (performance.now() > deadline) {
      stop();
      throw new Error(`workerd did not answer /healthz within ${timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, pid: child.pid, stop, startMs: performance.now() - t0, log: () => log };
}

function accepts(port) {
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1");
    sock.on("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.on("error", () => resolve(false));
  });
}

async function healthy(url) {
  try {
    return (await fetch(`${url}/healthz`)).ok;
  } catch {
    return false; // not listening yet
  }
}

// peakRSS reads a process's peak resident set (VmHWM) in bytes, or null.
export async function peakRSS(pid) {
  const { readFile } = await import("node:fs/promises");
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export async function classify(url, body, query = "") {
  const t0 = performance.now();
  const res = await fetch(`${url}/classify${query}`, { method: "POST", body });
  const text = await res.text();
  const ms = performance.now() - t0;
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json, ms };
}

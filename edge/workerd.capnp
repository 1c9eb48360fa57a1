# Local runtime for the edge worker: workerd (npm "workerd", pinned in the
# root package-lock.json) runs the same modules wrangler would upload.
# scripts/edge-dev.sh and edge/test/ serve it; --socket-addr http=HOST:PORT
# overrides the address. Nothing here reaches the network.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "entry.mjs", esModule = embed "entry.mjs"),
    (name = "build/worker.mjs", esModule = embed "build/worker.mjs"),
    (name = "build/runtime.mjs", esModule = embed "build/runtime.mjs"),
    (name = "build/wasm_exec.js", esModule = embed "build/wasm_exec.js"),
    (name = "build/app.wasm", wasm = embed "build/app.wasm"),
    (name = "upload.mjs", esModule = embed "upload.mjs"),
    (name = "build/loader.mjs", esModule = embed "build/loader.mjs"),
    (name = "build/forwarder.wasm", wasm = embed "build/forwarder.wasm"),
    (name = "build/kernels.wasm", wasm = embed "build/kernels.wasm"),
  ],
  # Keep in step with wrangler.jsonc.
  compatibilityDate = "2026-11-01",
  bindings = [
    (name = "GO_INSTANCES", text = "1"),
  ],
);

// Links the WebAssembly SIMD kernels (kernels.wasm) into a Go GOOS=js
// instance. Works in a browser Worker, in Node and in workerd: no DOM, no
// fetch, no Node modules — callers hand over bytes or compiled modules.
//
// Go's module defines its own memory and the kernel module imports it, so the
// kernel module can only be instantiated after Go's; but Go's imports must
// exist before. The forwarder module (forwarder.wasm) is the bridge: its
// functions are Go's "kernels" imports and call through a table that link()
// fills. link() is itself a Go import, called once from the package's
// initialisation — after Go's instance exists and before any kernel runs —
// so no host code has to run between instantiate and go.run:
//
//   const go = new Go();
//   await attachKernels(go, { forwarder: fwdBytes, kernels: kernelBytes });
//   const { instance } = await WebAssembly.instantiate(goBytes, go.importObject);
//   go.run(instance);
//
// Without WebAssembly SIMD (or with kernels: null) link() answers 0 and the
// Go side keeps its pure-Go twins. The forwarder itself has no SIMD opcodes,
// so it loads everywhere.

// Slot order of the forwarder's table, as declared in
// engine/kernels/internal/wasmabi (its tests check this list).
export const SLOTS = [
  'gemm_u16s8', 'gemm_f32', 'quantize_u16', 'max_f32', 'im2col', 'maxpool3x3s2',
  'gemm_s16s16', 'winograd_in_u16', 'winograd_out', 'winograd_weights_s8', 'dense_i8',
  'max_reset', 'max_get', 'gemm_u16s16', 'dense_i16', 'winograd_conv',
];

// The smallest module using a SIMD128 opcode: (func (result v128) i32.const 0
// i8x16.splat). WebAssembly.validate rejects it where SIMD is missing.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 15, 11,
]);

export function simdSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

// The smallest module using relaxed SIMD: (func (result v128)
// (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0))).
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  253, 12, ...new Array(16).fill(0), 253, 12, ...new Array(16).fill(0), 253, 12, ...new Array(16).fill(0),
  253, 133, 2, 11,
]);

export function relaxedSupported() {
  return simdSupported() && WebAssembly.validate(RELAXED_PROBE);
}

async function toModule(src) {
  if (src == null) return null;
  if (src instanceof WebAssembly.Module) return src;
  return WebAssembly.compile(src);
}

// attachKernels adds the "kernels" import module to go.importObject.
// forwarder and kernels are WebAssembly.Module objects or their bytes;
// kernels may be null to run the pure-Go twins. Resolves to {simd}: whether
// the SIMD kernels will be linked.
export async function attachKernels(go, { forwarder, kernels }) {
  const simd = kernels != null && simdSupported();
  const [fwd, kern] = await Promise.all([toModule(forwarder), simd ? toModule(kernels) : null]);
  return attachKernelModules(go, { forwarder: fwd, kernels: kern });
}

// attachKernelModules is attachKernels for hosts that hand over compiled
// modules and instantiate synchronously (workerd imports .wasm files as
// WebAssembly.Module and forbids compiling bytes at run time).
export function attachKernelModules(go, { forwarder, kernels }) {
  if (!(forwarder instanceof WebAssembly.Module)) {
    throw new TypeError('attachKernelModules: forwarder must be a WebAssembly.Module');
  }
  // A compiled kernel module is proof of SIMD support: it has SIMD opcodes.
  // (workerd may refuse WebAssembly.validate on bytes, so do not ask it.)
  const simd = kernels instanceof WebAssembly.Module;
  const fwd = new WebAssembly.Instance(forwarder, {});
  const imports = { link: () => 0 };
  for (const name of SLOTS) imports[name] = fwd.exports[name];
  if (simd) {
    let linked = false;
    imports.link = () => {
      if (linked) return 1;
      // wasm_exec.js's Go.run stores the instance as _inst before starting
      // Go, and has since Go 1.11. If that ever changes, fail loudly rather
      // than fall back without a word.
      const mem = go._inst && go._inst.exports && go._inst.exports.mem;
      if (!(mem instanceof WebAssembly.Memory)) {
        throw new Error('kernels: cannot find the Go instance memory (go._inst.exports.mem)');
      }
      const k = new WebAssembly.Instance(kernels, { env: { memory: mem } });
      SLOTS.forEach((name, i) => fwd.exports.table.set(i, k.exports[name]));
      linked = true;
      return 1;
    };
  }
  go.importObject.kernels = imports;
  return { simd };
}

package main

import "net/http"

// csp allows exactly what the page does: its own scripts and worker (and
// the worker's import() of wasm_exec.js and the kernels' loader.mjs, both
// same-origin), the WebAssembly compile of the engine and its SIMD kernel
// modules ('wasm-unsafe-eval', not 'unsafe-eval'), images from
// itself or from blob:/data: URLs it makes from local files, the camera
// stream, and fetches to itself or to https: (the image URL field and
// ?model=URL). No inline script or style, no frames, no forms, no plugins;
// Trusted Types close the DOM sinks that parse HTML; the one policy,
// "resnet", only vets the page's own worker URLs (the engine's, and in the
// engine's worker the kernel pool's helpers: web/startup.js).
const csp = "default-src 'none'; " +
	"script-src 'self' 'wasm-unsafe-eval'; " +
	"worker-src 'self'; " +
	"style-src 'self'; " +
	"img-src 'self' blob: data:; " +
	"media-src 'self' blob: mediastream:; " +
	"connect-src 'self' https:; " +
	"manifest-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'; " +
	"require-trusted-types-for 'script'; trusted-types resnet"

func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", csp)
	// Cross-origin isolation (SharedArrayBuffer for wasm threads later).
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Embedder-Policy", "require-corp")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
}

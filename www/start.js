// Starts the page's WebAssembly module (its start function runs the page). A file rather than the
// inline script trunk would inject, so that the Content-Security-Policy needs no 'unsafe-inline'
// for scripts (Trunk.toml: `pattern_script`).
import init from "./resnet-webgpu.js";

await init({ module_or_path: new URL("./resnet-webgpu_bg.wasm", import.meta.url) });

// The training worker: loads the same WebAssembly module as the page and hands control to
// `worker_main` (src/web/worker.rs), which answers the page's messages.
import init, { worker_main } from "./resnet-webgpu.js";

await init({ module_or_path: new URL("./resnet-webgpu_bg.wasm", import.meta.url) });
worker_main();

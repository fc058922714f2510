// The training worker: loads one of the page's two WebAssembly modules and hands control to
// `worker_main` (src/web/worker.rs), which answers the page's messages. The page says which in
// the worker's address (src/web/link.rs):
//   ?module=webgpu   the page's own module: WebGPU, and the CPU backend on one thread;
//   ?module=threads  the CPU backend over a pool of threads (threads/, scripts/build-threads.sh),
//                    without WebGPU: it needs shared memory, so a cross-origin isolated page;
//   ?module=auto     «Automático»: the threaded module unless WebGPU offers a hardware adapter.
// Where the page is not isolated, or the threaded module is missing, it is the WebGPU module.
// `crashes`: the page's BroadcastChannel for this worker, on which the threaded module's pool
// threads report their own crashes (see `reportingCrashes`).
const params = new URL(import.meta.url).searchParams;
const wanted = params.get("module") ?? "webgpu";
const crashes = params.get("crashes") ?? "";
const isolated = self.crossOriginIsolated === true;

// A trap in this thread (Rust aborts when memory is exhausted) inside a promise's callback, where
// the module's async code runs, is an unhandled rejection, which does not reach the page as the
// worker's `error` event does: say it, as a panic says it (`crashed`), so that the page replaces
// the worker (src/web/supervisor.rs).
self.addEventListener("unhandledrejection", (event) => {
  if (!(event.reason instanceof WebAssembly.RuntimeError)) return;
  event.preventDefault();
  self.postMessage({ type: "crashed", message: String(event.reason.message) });
});

// Watch every WebGPU device the module creates. When one is lost (a driver reset, a crashed GPU
// process, or `destroy()`), tell the page: it replaces this worker with a fresh one, which gets a
// new device, and offers to continue from the last checkpoint in IndexedDB.
const devices = [];
// For tests and DevTools: the WebGPU devices this worker made (the end-to-end test destroys them
// to lose the device mid-run, as a driver reset would).
self.resnetWebgpuDevices = devices;
if (self.GPUAdapter) {
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (...args) {
    const device = await requestDevice.apply(this, args);
    devices.push(device);
    device.lost.then((info) =>
      self.postMessage({ type: "device_lost", reason: String(info.reason ?? "unknown"), message: String(info.message ?? "") }),
    );
    return device;
  };
}

/**
 * What «Automático» would get from WebGPU, looked at as the WebGPU module looks at it
 * (src/web/worker/device.rs): `{ hardware: true }`, `{ software: name }` (a fallback adapter or
 * SwiftShader, which emulates the GPU on the CPU), or `{ none: why }` (empty without
 * `navigator.gpu`).
 */
async function adapterSeen() {
  if (!self.navigator?.gpu) return { none: "" };
  let adapter;
  try {
    adapter = await navigator.gpu.requestAdapter();
  } catch (e) {
    return { none: String(e?.message ?? e) };
  }
  if (!adapter) return { none: "requestAdapter() = null" };
  const info = adapter.info ?? {};
  const name = info.description || [info.vendor, info.architecture].filter(Boolean).join(" ");
  const software = info.isFallbackAdapter === true
    || /swiftshader/i.test([info.description, info.vendor, info.architecture, info.device].join(" "));
  return software ? { software: name } : { hardware: true };
}

/**
 * Runs `start` (wasm-bindgen-rayon's `initThreadPool`) so that each pool thread reports its own
 * crash to the page. A pool thread that traps (memory exhausted, in practice) dies alone, and this
 * worker's thread, which waits for its work, stays blocked: it can neither say so nor pass the
 * error on. So every pool thread gets, ahead of wasm-bindgen-rayon's script, a few lines of plain
 * JavaScript (no call into the WebAssembly, which may be half way through an allocation) that
 * post the error on the page's channel for this worker (src/web/supervisor.rs replaces the
 * worker) and mark it handled. wasm-bindgen-rayon 1.3 starts each thread from a `blob:` copy of
 * its script made with `URL.createObjectURL`, which is where the lines go in.
 */
async function reportingCrashes(start, threads) {
  const prelude = `const resnetCrashes = ${JSON.stringify(crashes)};
const resnetReport = (event, error) => {
  event.preventDefault();
  const channel = new BroadcastChannel(resnetCrashes);
  channel.postMessage({ type: "crashed", message: String(error?.message ?? error ?? "error") });
  channel.close();
};
self.addEventListener("unhandledrejection", (event) => resnetReport(event, event.reason));
self.addEventListener("error", (event) => resnetReport(event, event.error ?? event.message));
`;
  const createObjectURL = URL.createObjectURL;
  let wrapped = 0;
  URL.createObjectURL = (blob) => {
    wrapped += 1;
    return createObjectURL(new Blob([prelude, blob], { type: "text/javascript" }));
  };
  try {
    await start();
  } finally {
    URL.createObjectURL = createObjectURL;
  }
  if (wrapped !== threads) console.warn(`${wrapped} of ${threads} pool threads report their crashes`);
}

/** Loads the threaded module and starts its pool: `null` when it cannot be used here. */
async function threaded() {
  if (!isolated) return null;
  try {
    const module = await import("./threads/resnet-webgpu-threads.js");
    await module.default({ module_or_path: new URL("./threads/resnet-webgpu-threads_bg.wasm", import.meta.url) });
    const threads = Math.max(1, navigator.hardwareConcurrency || 1);
    await reportingCrashes(() => module.initThreadPool(threads), threads);
    return { module, threads };
  } catch (e) {
    console.warn(`threaded module not used (${e?.message ?? e}); the CPU backend runs on one thread`);
    return null;
  }
}

let seen = { hardware: true };
if (isolated && wanted === "auto") seen = await adapterSeen();
const pool = (wanted === "threads" || (wanted === "auto" && !seen.hardware)) ? await threaded() : null;
if (pool) {
  pool.module.worker_main(pool.threads, seen.software, seen.none);
} else {
  const module = await import("./resnet-webgpu.js");
  await module.default({ module_or_path: new URL("./resnet-webgpu_bg.wasm", import.meta.url) });
  module.worker_main(1);
}

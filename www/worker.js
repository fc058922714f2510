// The training worker: loads the same WebAssembly module as the page and hands control to
// `worker_main` (src/web/worker.rs), which answers the page's messages.
import init, { worker_main } from "./resnet-webgpu.js";

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

await init({ module_or_path: new URL("./resnet-webgpu_bg.wasm", import.meta.url) });
worker_main();

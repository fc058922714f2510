// A first visit on WebGPU, made as a person with a GPU makes it: nothing cached, the network
// throttled to a home connection's speed (CDP Network.emulateNetworkConditions; the worker's
// fetch of the archive goes through the same emulation), WebGPU chosen as the page opens, and
// «Entrenar» pressed as soon as it is enabled. Prints, per visit: navigation → ready (data parsed,
// device up), the device line at the click (were the kernels compiled?), ready → first step,
// navigation → first step, and the compute pipelines the GPU process created between the click
// and the first step (Chrome's tracing: 0 means the page had compiled them all before the click).
//
//   node www/first-visit.mjs [dist] [Mbit/s, default 100] [visits, default 1] [model] [batch]
//
// Serve a dist/ whose data/ holds a full-size archive (scripts/full-size-archive.py) for a real
// download time. The page is served without cross-origin isolation so that its first worker is
// the WebGPU module: on a hardware adapter «Automático» is WebGPU from the start, while here
// (SwiftShader, a software adapter) it is the CPU, and the script picks WebGPU at once, before the
// archive arrives. Headless Chromium on SwiftShader here: read the order of events and the
// pipeline counts; the seconds are this VM's.
import { launch, pipelineTimes, serve, stepReached, throttle, traceEvents } from "./harness.mjs";

const dist = process.argv[2] ?? "dist";
const mbit = Number(process.argv[3] ?? 100);
const visits = Number(process.argv[4] ?? 1);
const model = process.argv[5] ?? "resnet20v1";
const batch = process.argv[6] ?? "32";
const path = "/tmp/first-visit-trace.json";
const s = (ms) => (ms / 1000).toFixed(1);
const server = await serve(dist, { isolated: false });
const browser = await launch();
const rows = [];
try {
  for (let visit = 1; visit <= visits; visit += 1) {
    const context = await browser.newContext({ viewport: { width: 1500, height: 1000 }, locale: "es-ES" });
    const page = await context.newPage();
    await throttle(page, mbit);
    const t0 = Date.now();
    await page.goto(`${server.url}?model=${model}&batch_size=${batch}&epochs=1`);
    // WebGPU at once (the select is in index.html; the page reads it when its worker is ready).
    await page.selectOption("#backend", "webgpu");
    await page.waitForFunction(() => !document.querySelector("#start").disabled, null, { timeout: 600_000 });
    const ready = Date.now() - t0;
    const line = (await page.textContent("#m-adapter")).replace(/^.* · (compilando|kernels de)/, "$1");
    await browser.startTracing(page, { path, categories: ["gpu.dawn", "gpu", "toplevel"] });
    const click = Date.now();
    await page.click("#start");
    await stepReached(page, 1, { timeout: 1_200_000 });
    const first = Date.now();
    await browser.stopTracing();
    await page.click("#stop");
    const pipelines = pipelineTimes(traceEvents(path));
    const compiling = pipelines.reduce((a, b) => a + b, 0);
    rows.push(`| ${visit} | ${mbit} | ${s(ready)} | ${line} | ${s(first - click)} | ${s(first - t0)} | ${pipelines.length} (${s(compiling)} s) |`);
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
console.log(`${model}, batch ${batch}, ${dist}`);
console.log("| visit | Mbit/s | navigation → ready (s) | device line at the click | click → first step (s) | navigation → first step (s) | pipelines created after the click |");
console.log("|---:|---:|---:|---|---:|---:|---:|");
for (const row of rows) console.log(row);

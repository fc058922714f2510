// In-browser training speed of the built page (dist/): for each backend, time from «Entrenar»
// to the first finished step, then images/s over the next `metrics_every` (10) steps, as the
// page itself reports them, and the worker's memory (WebAssembly heap, and what burn holds on the
// GPU). Prints a Markdown table.
//
//   node www/measure.mjs [dist] [batch] [backends, default auto,webgpu,cpu] [models, default resnet20v1]
//                        [link queries, default none: e.g. conv=backend,conv=gemm, one row each]
//
// WARM=1 (WebGPU) presses «Entrenar» only once the page has compiled the network's kernels.
// ISOLATED=0 serves the page without cross-origin isolation (the CPU backend on one thread, in
// the page's module) instead of with it (the threaded module). MEASURE_EPOCH=1 also lets the one epoch finish (its evaluation included) before reading the
// memory: pair it with a short epoch, e.g. the query train_images=2560.
import { kernelsCompiledNote, launch, openReady, serve, stepReached } from "./harness.mjs";

const dist = process.argv[2] ?? "dist";
const batch = process.argv[3] ?? "32";
const backends = (process.argv[4] ?? "auto,webgpu,cpu").split(",");
const models = (process.argv[5] ?? "resnet20v1").split(",");
const queries = (process.argv[6] ?? "").split(",");
const server = await serve(dist, { isolated: process.env.ISOLATED !== "0" });
const browser = await launch();
const rows = [];
try {
  for (const backend of backends) for (const model of models) for (const query of queries) {
    const page = await openReady(browser, query ? `${server.url}?${query}` : server.url, backend);
    await page.selectOption("#model", model);
    await page.fill("#batch-size", batch);
    await page.fill("#epochs", "1");
    // WARM=1: press «Entrenar» only once the worker has compiled the network's kernels (WebGPU),
    // as a person who read a little first would.
    let warm = "";
    if (process.env.WARM === "1" && backend === "webgpu") {
      await page.locator("#epochs").blur();
      await page.waitForFunction((note) => document.querySelector("#m-adapter").textContent.includes(note),
        kernelsCompiledNote(model, batch), { timeout: 1_200_000 });
      warm = / compilados en ([\d.]+) s/.exec(await page.textContent("#m-adapter"))[1];
    }
    const adapter = (await page.textContent("#m-adapter")).replace(/ · (compilando|kernels de).*/, "");
    const t0 = Date.now();
    await page.click("#start");
    await stepReached(page, 1, { timeout: 600_000 });
    const first = (Date.now() - t0) / 1000;
    await stepReached(page, 11, { timeout: 1_800_000 });
    const speed = await page.textContent("#m-speed");
    if (process.env.MEASURE_EPOCH === "1") {
      await page.waitForFunction(() => /terminado|detenido|Listo/.test(document.querySelector("#status").textContent),
        null, { timeout: 1_800_000 });
    }
    const memory = await page.textContent("#m-memory");
    rows.push(`| ${backend} | ${adapter} | ${model} | ${batch} | ${query || "—"} | ${speed} | ${first.toFixed(1)} | ${warm || "—"} | ${memory} |`);
    if (process.env.MEASURE_EPOCH !== "1") await page.click("#stop");
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
console.log("| backend | device | model | batch | link | images/s (steps 2–11) | start → first step (s) | kernels compiled before the click (s) | memory |");
console.log("|---|---|---|---:|---|---:|---:|---:|---|");
for (const row of rows) console.log(row);

// Where a WebGPU run's first step goes in Chromium: a trace (Chrome's tracing, not the sampling
// profiler, which stalls a WebGPU run) from the click on «Entrenar» to the first step, summed by
// event, then the pipelines the GPU process created, with how long each took.
//
//   node www/first-step-trace.mjs [dist] [batch] [link query, e.g. conv=wgsl]
//
// MODEL picks the network (default resnet20v1); CHROME_ARGS adds Chromium flags (e.g. Dawn's
// toggles: --disable-dawn-features=…); WARM=1 presses «Entrenar» only after the page compiled the
// network's kernels. Headless Chromium on SwiftShader here: read shares and counts, not seconds.
import { kernelsCompiledNote, launch, openReady, pipelineTimes, serve, stepReached, traceEvents } from "./harness.mjs";

const dist = process.argv[2] ?? "dist";
const batch = process.argv[3] ?? "32";
const query = process.argv[4] ?? "";
const model = process.env.MODEL ?? "resnet20v1";
const path = "/tmp/first-step-trace.json";
const server = await serve(dist);
const browser = await launch({ args: (process.env.CHROME_ARGS ?? "").split(" ").filter(Boolean) });
try {
  const page = await openReady(browser, query ? `${server.url}?${query}` : server.url, "webgpu");
  await page.selectOption("#model", model);
  await page.fill("#batch-size", batch);
  await page.fill("#epochs", "1");
  await page.locator("#epochs").blur();
  if (process.env.WARM === "1") {
    await page.waitForFunction((note) => document.querySelector("#m-adapter").textContent.includes(note),
      kernelsCompiledNote(model, batch), { timeout: 1_200_000 });
  }
  await browser.startTracing(page, { path, categories: ["gpu.dawn", "gpu", "toplevel"] });
  const t0 = Date.now();
  await page.click("#start");
  await stepReached(page, 1, { timeout: 1_200_000 });
  console.log(`start → first step: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await browser.stopTracing();
  await page.click("#stop");
} finally {
  await browser.close();
  server.close();
}

const events = traceEvents(path);
const names = {};
for (const e of events) {
  if (e.name === "process_name") names[`${e.pid}`] = e.args.name;
  if (e.name === "thread_name") names[`${e.pid}:${e.tid}`] = e.args.name;
}
// Complete events ("X") summed by process / thread / name.
const sums = new Map();
for (const e of events.filter((e) => e.ph === "X")) {
  const key = `${names[e.pid] ?? e.pid} / ${names[`${e.pid}:${e.tid}`] ?? e.tid} / ${e.name}`;
  const [ms, n] = sums.get(key) ?? [0, 0];
  sums.set(key, [ms + e.dur / 1000, n + 1]);
}
console.log("\n| ms | events | process / thread / event |\n|---:|---:|---|");
for (const [key, [ms, n]] of [...sums].sort((a, b) => b[1][0] - a[1][0]).slice(0, 15)) {
  console.log(`| ${ms.toFixed(0)} | ${n} | ${key} |`);
}
const pipelines = pipelineTimes(events).sort((a, b) => b - a);
const total = pipelines.reduce((a, b) => a + b, 0);
const slow = pipelines.filter((ms) => ms >= 250);
console.log(`\n${pipelines.length} compute pipelines created, ${(total / 1000).toFixed(1)} s in all; `
  + `${slow.length} took ≥ 250 ms (${(slow.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s), `
  + `the median ${pipelines[pipelines.length >> 1]?.toFixed(0)} ms; the slowest: ${pipelines.slice(0, 8).map((ms) => ms.toFixed(0)).join(", ")} ms`);

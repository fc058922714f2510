// End-to-end test: on WebGPU the page compiles the network's kernels while the archive is still
// downloading (src/web/worker/warm.rs, throwaway steps on made-up images), and those are every
// kernel the real run needs: between the click on «Entrenar» and the 11th step the GPU process
// creates no compute pipeline (Chrome's tracing).
//
// The server holds the archive's response until the page says the kernels are compiled, as a slow
// connection would; a page that waited for the data to compile them never says so, and the test
// fails at that wait. The page is served without cross-origin isolation, so that its first worker
// is the WebGPU module (on SwiftShader «Automático» is the CPU; the test picks WebGPU at once).
//
//   node www/e2e-warm.mjs [dist]
import { launch, pipelineTimes, report, serve, stepReached, traceEvents } from "./harness.mjs";

const dist = process.argv[2] ?? "dist";
let release;
let requested = false;
const held = new Promise((ok) => { release = ok; });
const hold = (path) => {
  if (!path.startsWith("/data/")) return null;
  requested = true;
  return held;
};
const server = await serve(dist, { isolated: false, hold });
const browser = await launch();
const { watch, check, fail, dump, finish } = report("e2e-warm");
const trace = "/tmp/e2e-warm-trace.json";
try {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1000 }, locale: "es-ES" });
  watch(page);
  await page.goto(`${server.url}?model=resnet20v1&batch_size=8&epochs=1`);
  // WebGPU at once (the select is in index.html; the page reads it when its worker is ready).
  await page.selectOption("#backend", "webgpu");
  const t0 = Date.now();
  try {
    await page.waitForFunction(() => /kernels de ResNet20 v1, lote 8, compilados en [\d.]+ s/
      .test(document.querySelector("#m-adapter").textContent), null, { timeout: 180_000 });
    console.log(`compiled before the data, in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${await page.textContent("#m-adapter")}`);
  } catch {
    fail(`no kernels compiled while the archive was held: «${await page.textContent("#m-adapter")}»`);
  }
  check(requested, "the page had not asked for the archive when its kernels were compiled");
  check(await page.isDisabled("#start"), "«Entrenar» enabled while the archive was held");
  release();
  await page.waitForFunction(() => !document.querySelector("#start").disabled, null, { timeout: 120_000 });
  console.log(`data: ${await page.textContent("#data-status")}`);
  await browser.startTracing(page, { path: trace, categories: ["gpu.dawn"] });
  const t1 = Date.now();
  await page.click("#start");
  await stepReached(page, 1, { timeout: 300_000 });
  console.log(`click → first step: ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  // The second step's Adam is another kernel (in place): trace a few steps.
  await stepReached(page, 11, { timeout: 300_000 });
  await browser.stopTracing();
  await page.click("#stop");
  const events = traceEvents(trace);
  const created = pipelineTimes(events).length;
  const seen = events.filter((e) => e.name?.startsWith("DeviceBase::")).length;
  check(seen > 0, "the trace holds no Dawn event: is the category still gpu.dawn?");
  check(created === 0, `${created} compute pipelines created after the click: the warm-up missed kernels of the real run`);
  console.log(`compute pipelines created in the first 11 steps: ${created} (of ${seen} Dawn events traced)`);
} catch (e) {
  fail(`${e.message ?? e}`);
  release();
  await dump(browser, ["m-adapter", "data-status", "status"], "target/e2e/warm.png");
} finally {
  await browser.close();
  server.close();
}
finish();

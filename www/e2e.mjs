// End-to-end test of the built page (dist/) in Debian's headless Chromium, on WebGPU
// (SwiftShader): serve it, press «Entrenar», wait for a batch metric and a chart point, check the
// lesson still scrolls and that nothing went to the console as an error, save a screenshot.
//
//   node www/e2e.mjs [dist] [screenshot.png]
import { mkdir, readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { launch, report, serve } from "./harness.mjs";

const dist = process.argv[2] ?? "dist";
const shot = resolve(process.argv[3] ?? "target/e2e/page.png");
const server = await serve(dist);
const url = server.url;
const browser = await launch();
const { watch, fail, dump, finish } = report("e2e");
try {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1000 }, locale: "es-ES" });
  watch(page);
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForFunction(() => document.querySelectorAll("#tutorial math").length > 10,
    null, { timeout: 60_000 });
  await page.waitForFunction(() => !document.querySelector("#start").disabled, null, { timeout: 120_000 });
  // "Automatic" passes over a software WebGPU adapter (SwiftShader here) for the CPU backend and
  // says so; the person can still choose WebGPU.
  const auto = await page.textContent("#m-adapter");
  console.log(`page ready (data parsed, device up) after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${auto}`);
  if (!/^CPU.*automáticamente/.test(auto)) fail(`automatic choice on a software adapter: ${auto}`);
  // The page is cross-origin isolated (harness.mjs): the CPU backend runs on the threaded module,
  // one thread per core.
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const threads = Number(/CPU \(WebAssembly, (\d+) hilos?\)/.exec(auto)?.[1]);
  if (threads !== cores) fail(`isolated: the CPU on ${cores} threads, got «${auto}»`);
  await page.selectOption("#backend", "webgpu");
  await page.waitForFunction(() => /^WebGPU/.test(document.querySelector("#m-adapter").textContent)
    && !document.querySelector("#start").disabled, null, { timeout: 120_000 });
  console.log(`chosen by hand: ${await page.textContent("#m-adapter")}`);
  // With a WebGPU device, the worker compiles the kernels of the network in the
  // controls (ResNet20 v1, batch 32) before anyone presses «Entrenar», and says so.
  await page.waitForFunction(() => /kernels de ResNet20 v1, lote 32, compilados en [\d.]+ s/
    .test(document.querySelector("#m-adapter").textContent), null, { timeout: 300_000 });
  console.log(`kernels warmed: ${await page.textContent("#m-adapter")}`);
  // A small, quick run: ResNet20 v1, batch 8, one epoch.
  await page.selectOption("#model", "resnet20v1");
  await page.fill("#batch-size", "8");
  await page.fill("#epochs", "1");
  const tStart = Date.now();
  await page.click("#start");
  await page.waitForFunction(() => document.querySelector("#m-loss").textContent.trim() !== "—",
    null, { timeout: 300_000 });
  const firstStep = (Date.now() - tStart) / 1000;
  await page.waitForFunction(() => {
    const chart = window.Chart && window.Chart.getChart("batch-chart");
    return chart && chart.data.datasets[0].data.length > 0;
  }, null, { timeout: 60_000 });
  // The gradient-flow chart: one point per weight layer (ResNet20 v1: 19 convolutions, 2
  // projections, the classifier), every norm positive, from the very first step's window.
  await page.waitForFunction(() => {
    const chart = window.Chart && window.Chart.getChart("grad-chart");
    return chart && chart.data.datasets.length > 0;
  }, null, { timeout: 60_000 });
  const gradients = await page.evaluate(() => {
    const chart = window.Chart && window.Chart.getChart("grad-chart");
    if (!chart) return null;
    const last = chart.data.datasets.at(-1);
    return { labels: chart.data.labels.length, lines: chart.data.datasets.length,
      points: last ? last.data.filter((v) => v > 0).length : 0, legend: last ? last.label : "",
      layers: last ? last.layers : [] };
  });
  console.log(`gradient chart: ${JSON.stringify({ ...gradients, layers: gradients?.layers?.length })}`);
  if (!gradients || gradients.labels !== 22 || gradients.points !== 22 || gradients.layers[0] !== "stem.conv.weight"
    || !/^época 1, paso \d+$/.test(gradients.legend)) fail(`gradient chart: ${JSON.stringify(gradients)}`);
  await mkdir(dirname(shot), { recursive: true });
  await page.locator("#grad-chart").screenshot({ path: shot.replace(/\.png$/, "-gradients.png") });
  // The first layer's 16 filters, drawn 8× (24 px) with 4 px gaps, as they start.
  await page.waitForFunction(() => document.querySelector("#filters").width > 0, null, { timeout: 60_000 });
  const filters = await page.evaluate(() => {
    const c = document.querySelector("#filters");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let coloured = 0;
    for (let f = 0; f < 16; f++) {
      // The middle of each tile: not the white of the gaps in every channel.
      const x = f * 28 + 12, y = 12, i = (y * c.width + x) * 4;
      if (!(d[i] === 255 && d[i + 1] === 255 && d[i + 2] === 255)) coloured++;
    }
    return { width: c.width, height: c.height, coloured, label: document.querySelector("#filters-epoch").textContent };
  });
  console.log(`filters: ${JSON.stringify(filters)}`);
  if (filters.width !== 448 || filters.height !== 24 || filters.coloured < 15 || !/iniciales|época/.test(filters.label)) {
    fail(`filter view: ${JSON.stringify(filters)}`);
  }
  await page.locator("#filters").screenshot({ path: shot.replace(/\.png$/, "-filters.png") });
  const loss = await page.textContent("#m-loss");
  const speed = await page.textContent("#m-speed");
  console.log(`first batch metric after ${firstStep.toFixed(1)} s: loss ${loss}, ${speed}`);
  if (!Number.isFinite(parseFloat(loss))) fail(`batch loss is not a number: ${loss}`);
  // The lesson scrolls while the network trains.
  const scrolled = await page.evaluate(() => {
    const t = document.querySelector("#tutorial");
    t.scrollTop = 1500;
    return t.scrollTop;
  });
  if (!(scrolled > 0)) fail("the lesson did not scroll");
  const summary = await page.textContent("#model-summary");
  if (!summary.includes("273")) fail(`model summary lacks the parameter count: ${summary.slice(0, 120)}`);
  const grid = await page.evaluate(() => document.querySelector("#class-grid").width);
  if (grid !== 340) fail(`class grid not drawn (width ${grid})`);
  await page.evaluate(() => { document.querySelector("#tutorial").scrollTop = 0; });
  await mkdir(dirname(shot), { recursive: true });
  await page.screenshot({ path: shot });
  console.log(`screenshot: ${shot}`);
  await page.click("#stop");
  await page.waitForFunction(() => /terminado|detenido|Listo/.test(document.querySelector("#status").textContent),
    null, { timeout: 300_000 });
} catch (e) {
  fail(e.message);
  await dump(browser, ["status", "m-loss", "m-speed", "m-adapter", "data-status"], shot.replace(/\.png$/, "-failure.png"));
} finally {
  await browser.close();
}

// Second visit, as a person without WebGPU whose server lacks the archive: the page says both in
// Spanish, trains on the CPU instead, and takes the archive from the file picker.
const archive = process.env.CIFAR10_ARCHIVE;
if (archive) {
  const plain = await launch({ webgpu: false });
  try {
    const page = await plain.newPage({ viewport: { width: 1500, height: 1000 }, locale: "es-ES" });
    // The archive's 404 is this visit's point; the page's download of it ends there.
    watch(page, { expected: [/^HTTP 404: \S+\/data\/cifar-10-binary\.tar\.gz$/,
      /^request failed: \S+\/data\/cifar-10-binary\.tar\.gz \(net::ERR_ABORTED\)/] });
    await page.route("**/data/cifar-10-binary.tar.gz", (route) => route.fulfill({ status: 404, body: "" }));
    await page.goto(url);
    await page.waitForFunction(() => /404/.test(document.querySelector("#data-status").textContent),
      null, { timeout: 60_000 });
    if (!(await page.isVisible("#archive-file"))) fail("no file picker after a 404");
    await page.waitForFunction(() => /No hay WebGPU/.test(document.querySelector("#gpu-status").textContent),
      null, { timeout: 60_000 });
    await page.setInputFiles("#archive-file", archive);
    await page.waitForFunction(() => !document.querySelector("#start").disabled, null, { timeout: 120_000 });
    const device = await page.textContent("#m-adapter");
    if (!/CPU/.test(device)) fail(`expected the CPU backend, got ${device}`);
    await page.fill("#batch-size", "8");
    await page.fill("#epochs", "1");
    // «Entrenar» pressed: what would start or change something waits for the worker's answer at
    // once (before, until the run said it was running: a second press, «Descartar» or another
    // device could reach the worker while it waited for the lock).
    const free = await page.evaluate(() => {
      document.querySelector("#start").click();
      return ["#start", "#backend", "#discard-run", "#run-file"].filter((id) => !document.querySelector(id).disabled);
    });
    if (free.length) fail(`still enabled right after «Entrenar»: ${free.join(", ")}`);
    await page.waitForFunction(() => Number.isFinite(parseFloat(document.querySelector("#m-loss").textContent)),
      null, { timeout: 120_000 });
    console.log(`without WebGPU, archive picked from disk: trains on ${device}, loss ${await page.textContent("#m-loss")}`);
    await page.screenshot({ path: shot.replace(/\.png$/, "-no-webgpu.png") });
    // «Detener» and at once «Pausar», in one task: the worker reads both between two steps, and
    // the run must still stop (before, the pause overwrote the stop and the run stayed paused).
    await page.evaluate(() => {
      document.querySelector("#stop").click();
      document.querySelector("#pause").click();
    });
    await page.waitForFunction(() => /terminado|detenido|Listo/.test(document.querySelector("#status").textContent),
      null, { timeout: 120_000 }).catch(() => {});
    const stopped = await page.textContent("#status");
    console.log(`stop and at once pause: «${stopped}»`);
    if (!/terminado|detenido|Listo/.test(stopped)) fail(`stop then pause did not stop the run: «${stopped}»`);
    if (await page.isDisabled("#start")) fail("«Entrenar» stays disabled after the stop");
    // «GPU (WebGPU)» picked by hand here: the list goes back to the CPU and the status says why
    // (before, the warning box was already on screen and nothing seemed to happen).
    await page.selectOption("#backend", "webgpu");
    await page.waitForFunction(() => document.querySelector("#backend").value === "cpu"
      && /sigue en la CPU/.test(document.querySelector("#status").textContent), null, { timeout: 60_000 })
      .catch(async () => fail(`WebGPU picked without WebGPU: «${await page.textContent("#status")}», list ${await page.inputValue("#backend")}`));
    console.log(`WebGPU picked without it: «${(await page.textContent("#status")).slice(0, 60)}…»`);

    // A shared link pre-fills the controls and the page writes the same link back; the metrics
    // export as CSV.
    const query = "model=resnet29v2&batch_size=16&epochs=3&lr=0.0005&augment=0";
    const linked = await plain.newPage({ locale: "es-ES" });
    watch(linked);
    await linked.goto(`${url}?${query}`);
    // The lesson is in the HTML before any script runs; the module has run once it has filled
    // the model list from its catalogue.
    await linked.waitForFunction(() => document.querySelectorAll("#model option").length > 1, null, { timeout: 60_000 });
    const controls = await linked.evaluate(() => [
      document.querySelector("#model").value, document.querySelector("#batch-size").value,
      document.querySelector("#epochs").value, document.querySelector("#lr").value,
      String(document.querySelector("#augment").checked)]);
    if (controls.join(" ") !== "resnet29v2 16 3 0.0005 false") fail(`link did not pre-fill: ${controls}`);
    if (!/843\s?786/.test(await linked.textContent("#model-summary"))) fail("summary not of ResNet29 v2");
    await linked.click("#share");
    const shared = await linked.inputValue("#share-url");
    if (!shared.endsWith(`?${query}`)) fail(`share link ${shared}`);
    // Before any epoch the export says there is nothing yet instead of a header-only file.
    let early = 0;
    linked.on("download", () => early++);
    await linked.click("#export-csv");
    await linked.waitForFunction(() => /ninguna época/.test(document.querySelector("#status").textContent), null, { timeout: 10_000 })
      .catch(async () => fail(`export before an epoch: «${await linked.textContent("#status")}»`));
    await linked.waitForTimeout(500);
    if (early) fail(`export before an epoch downloaded ${early} file(s)`);
    console.log(`link round trip: ok; export before an epoch: «${await linked.textContent("#status")}»`);
  } catch (e) {
    fail(`without WebGPU: ${e.message}`);
    await dump(plain, ["gpu-status", "data-status", "status", "m-adapter"]);
  } finally {
    await plain.close();
  }
} else {
  fail("set CIFAR10_ARCHIVE to the archive for the file-picker scenario");
}
server.close();
finish();

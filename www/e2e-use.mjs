// End-to-end test of "use what was learned" in the built page (dist/), in headless Chromium on
// the CPU backend (quick): a one-epoch run on a slice of the data, then
//   - the test-set explorer: ordering by confidence, filters, a click on the confusion matrix;
//   - classify your own image: a test image as PNG gets the probability the tensor path gave it,
//     a drawing, a pasted image, bad files (empty, not an image, huge), a bad weights file;
//   - the charts as SVG;
//   - the English interface, from the browser's language and from the switch.
// Screenshots of each view go to target/e2e/.
//
//   node www/e2e-use.mjs [dist]
import { mkdir, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { crc32 } from "node:zlib";
import { ABORTED_REQUEST, launch, report, serve } from "./harness.mjs";

const dist = process.argv[2] ?? "dist";
const shots = resolve("target/e2e");
await mkdir(shots, { recursive: true });
const server = await serve(dist);
const { watch, check, fail, dump, finish } = report("e2e-use");

/** A PNG whose header declares `width`×`height`, with an empty image data chunk. */
function pngHeader(width, height) {
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr), chunk("IDAT", Buffer.alloc(0))]);
}

const confidences = (page) => page.$$eval("#explore-labels figure",
  (spans) => spans.map((s) => ({ index: +s.dataset.index, ok: s.classList.contains("ok"), c: parseFloat(s.dataset.confidence),
    truth: +s.dataset.truth, predicted: +s.dataset.predicted })));
const sorted = (xs, descending) => xs.every((x, i) => i === 0 || (descending ? xs[i - 1] >= x : xs[i - 1] <= x));

const browser = await launch({ webgpu: false });
try {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1100 }, locale: "es-ES" });
  watch(page);
  const query = "model=resnet20v1&batch_size=16&epochs=1&lr=0.001&augment=1&train_images=64&test_images=200";
  await page.goto(`${server.url}?${query}`);
  await page.waitForFunction(() => !document.querySelector("#start").disabled, null, { timeout: 120_000 });
  check(await page.getAttribute("html", "lang") === "es", "a Spanish browser gets the Spanish interface");
  check(/Entrenamiento/.test(await page.textContent("#controls h2")), "Spanish heading");

  // Before any training there is no model: a clear message, no crash.
  await page.setInputFiles("#classify-file", { name: "x.png", mimeType: "image/png", buffer: pngHeader(4, 4) });
  await page.waitForFunction(() => /no hay un modelo|dañado/i.test(document.querySelector("#classify-status").textContent),
    null, { timeout: 30_000 });

  // The click is answered at once, before the worker (which may wait for another tab's lock).
  const starting = await page.evaluate(() => { document.querySelector("#start").click(); return document.querySelector("#status").textContent; });
  check(starting === "Empezando…", `the status line as «Entrenar» is pressed: «${starting}»`);
  await page.waitForFunction(() => /terminado/.test(document.querySelector("#status").textContent),
    null, { timeout: 300_000 });
  await page.waitForFunction(() => document.querySelectorAll("#explore-labels figure").length > 0,
    null, { timeout: 60_000 });

  // Explorer: the most confident mistakes first; then the most confident hits.
  let items = await confidences(page);
  check(items.every((i) => !i.ok && i.truth !== i.predicted), "mistakes only by default");
  check(sorted(items.map((i) => i.c), true), `mistakes by decreasing confidence: ${items.map((i) => i.c)}`);
  console.log(`explorer: ${items.length} mistakes, confidence ${items[0]?.c.toFixed(3)} → ${items.at(-1)?.c.toFixed(3)}`);
  // «las dudas»: the cards are replaced by the least confident answers, right or wrong, by
  // increasing confidence (not the mistakes just shown, which are in decreasing order).
  const mistakes = items.map((i) => i.index).join();
  await page.selectOption("#explore-order", "uncertain");
  await page.waitForFunction((before) => {
    const cards = [...document.querySelectorAll("#explore-labels figure")];
    const c = cards.map((f) => parseFloat(f.dataset.confidence));
    return cards.length > 0 && cards.map((f) => f.dataset.index).join() !== before
      && c.every((x, i) => i === 0 || c[i - 1] <= x);
  }, mistakes, { timeout: 30_000 }).catch(() => fail("the explorer did not show the doubts after choosing «las dudas»"));
  items = await confidences(page);
  check(items.length > 0 && sorted(items.map((i) => i.c), false), `doubts by increasing confidence: ${items.map((i) => i.c)}`);
  console.log(`explorer, doubts: ${items.length} images, confidence ${items[0]?.c.toFixed(3)} → ${items.at(-1)?.c.toFixed(3)}`);
  // A click on an off-diagonal cell of the confusion matrix lists exactly those images.
  const cell = await page.$$eval("#confusion td[data-truth]", (cells) => {
    const c = cells.find((c) => c.dataset.truth !== c.dataset.predicted && +c.textContent > 0);
    return c && { truth: +c.dataset.truth, predicted: +c.dataset.predicted, n: +c.textContent };
  });
  if (cell) {
    await page.click(`#confusion td[data-truth="${cell.truth}"][data-predicted="${cell.predicted}"]`);
    await page.waitForFunction(({ truth, predicted }) => {
      const spans = [...document.querySelectorAll("#explore-labels figure")];
      return spans.length > 0 && spans.every((s) => +s.dataset.truth === truth && +s.dataset.predicted === predicted);
    }, cell, { timeout: 30_000 });
    items = await confidences(page);
    check(items.length === Math.min(cell.n, 24), `cell (${cell.truth}, ${cell.predicted}) holds ${cell.n}, listed ${items.length}`);
    check(sorted(items.map((i) => i.c), true), "cell list by decreasing confidence");
    check(await page.inputValue("#explore-order") === "confident_wrong", "a mistake cell lists mistakes");
    console.log(`confusion cell (${cell.truth} → ${cell.predicted}): ${items.length} images listed`);
  } else {
    fail("no off-diagonal cell with images in the confusion matrix");
  }
  await page.locator("#explorer").screenshot({ path: `${shots}/explorer.png` });

  // Feature maps: strip image 1 after the epoch, a row per stage (stem, stages 1–3), 8 channels
  // of 48 px with 2 px gaps; a click on the fourth strip image shows its own.
  await page.waitForFunction(() => document.querySelector("#feature-maps").width > 0, null, { timeout: 60_000 });
  const maps = await page.evaluate(() => {
    const c = document.querySelector("#feature-maps");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    // Rows whose tiles are not all one level: the maps vary over the image.
    let varied = 0;
    for (let row = 0; row < 4; row++) {
      const levels = new Set();
      for (let x = 0; x < 48; x += 6) for (let y = 0; y < 48; y += 6) levels.add(d[((row * 50 + y) * c.width + x) * 4]);
      if (levels.size > 1) varied++;
    }
    return { width: c.width, height: c.height, varied, label: document.querySelector("#feature-maps-label").textContent };
  });
  console.log(`feature maps: ${JSON.stringify(maps)}`);
  check(maps.width === 400 && maps.height === 200, `feature maps 8 × 4 tiles of 50 px: ${maps.width}×${maps.height}`);
  check(maps.varied >= 3, `feature maps vary over the image in ${maps.varied} of 4 rows`);
  check(/imagen 1 de la tira/.test(maps.label), `feature maps of strip image 1: ${maps.label}`);
  const first = await page.evaluate(() => document.querySelector("#feature-maps").toDataURL());
  const stripBox = await page.locator("#test-strip").boundingBox();
  await page.locator("#test-strip").click({ position: { x: stripBox.width * 0.35, y: stripBox.height / 2 } });
  await page.waitForFunction((before) => document.querySelector("#feature-maps").toDataURL() !== before
    && /imagen 4 de la tira/.test(document.querySelector("#feature-maps-label").textContent), first, { timeout: 60_000 });
  await page.locator("#feature-maps").screenshot({ path: `${shots}/feature-maps.png` });
  const pixels = () => page.evaluate(() => {
    const c = document.querySelector("#feature-maps");
    return Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data);
  });
  // Strip image 1 is test image 0: its maps, to compare with the same image classified as a PNG.
  const fourth = await page.evaluate(() => document.querySelector("#feature-maps").toDataURL());
  await page.locator("#test-strip").click({ position: { x: 5, y: stripBox.height / 2 } });
  await page.waitForFunction((before) => document.querySelector("#feature-maps").toDataURL() !== before
    && /imagen 1 de la tira/.test(document.querySelector("#feature-maps-label").textContent), fourth, { timeout: 60_000 });
  const testZero = await pixels();
  // A click on an explorer image shows its maps.
  const card = page.locator("#explore-labels figure").first();
  const cardIndex = await card.getAttribute("data-index");
  const beforeCard = await page.evaluate(() => document.querySelector("#feature-maps").toDataURL());
  await card.click();
  await page.waitForFunction(([before, i]) => document.querySelector("#feature-maps").toDataURL() !== before
    && new RegExp(`imagen de prueba n\\.º ${i},`).test(document.querySelector("#feature-maps-label").textContent),
    [beforeCard, cardIndex], { timeout: 60_000 });
  console.log(`explorer click: ${await page.textContent("#feature-maps-label")}`);
  // The same from the keyboard: Enter on another explorer image, the arrow keys on the strip,
  // Enter on a confusion cell; each reachable with Tab.
  const second = page.locator("#explore-labels figure").nth(1);
  const secondIndex = await second.getAttribute("data-index");
  check(await second.getAttribute("tabindex") === "0" && await page.getAttribute("#test-strip", "tabindex") === "0"
    && await page.locator("#confusion td[data-truth] button").count() === 100, "explorer images, strip and confusion cells take the focus");
  await second.focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction((i) => new RegExp(`imagen de prueba n\\.º ${i},`).test(document.querySelector("#feature-maps-label").textContent),
    secondIndex, { timeout: 60_000 }).catch(() => fail("Enter on an explorer image did not show its maps"));
  await page.focus("#test-strip");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => /imagen 2 de la tira/.test(document.querySelector("#feature-maps-label").textContent),
    null, { timeout: 60_000 }).catch(() => fail("the arrow keys on the strip did not move to its second image"));
  console.log(`keyboard: ${await page.textContent("#feature-maps-label")}`);

  // Classify: test image 0 as PNG, cut from the strip of test images (drawn pixel for pixel).
  const png = await page.evaluate(() => {
    const strip = document.querySelector("#test-strip");
    const c = document.createElement("canvas");
    c.width = 32; c.height = 32;
    c.getContext("2d").drawImage(strip, 0, 0, 32, 32, 0, 0, 32, 32);
    return c.toDataURL("image/png").split(",")[1];
  });
  await page.setInputFiles("#classify-file", { name: "test-0.png", mimeType: "image/png", buffer: Buffer.from(png, "base64") });
  await page.waitForFunction(() => document.querySelector("#classify-bars .bars"), null, { timeout: 60_000 });
  const probabilities = (await page.getAttribute("#classify-bars .bars", "data-probabilities")).split(",").map(Number);
  const strip = await page.$eval("#strip-labels span", (s) => ({ p: +s.dataset.predicted, c: parseFloat(s.dataset.confidence) }));
  const best = probabilities.indexOf(Math.max(...probabilities));
  const diff = Math.abs(probabilities[best] - strip.c);
  console.log(`test image 0 as PNG: class ${best}, p = ${probabilities[best]}; tensor path: class ${strip.p}, p = ${strip.c}; |Δ| = ${diff.toExponential(2)}`);
  check(probabilities.length === 10 && Math.abs(probabilities.reduce((a, b) => a + b) - 1) < 1e-4, "ten probabilities summing to 1");
  check(best === strip.p && diff <= 1e-5, "the PNG path gives the tensor path's probability within 1e-5");
  check(await page.evaluate(() => document.querySelector("#classify-preview").width) === 32, "32×32 preview drawn");
  check(/época 1|final/.test(await page.textContent("#classify-model")), "the model used is named");
  // The person's image gets its feature maps too: test image 0's, as the strip showed them.
  await page.waitForFunction(() => /^\(tu imagen; /.test(document.querySelector("#feature-maps-label").textContent), null, { timeout: 60_000 });
  const own = await pixels();
  const worst = own.length === testZero.length ? own.reduce((m, v, i) => Math.max(m, Math.abs(v - testZero[i])), 0) : Infinity;
  console.log(`own image's feature maps: ${await page.textContent("#feature-maps-label")}; largest difference from test image 0's: ${worst}`);
  check(worst <= 2, `a person's copy of test image 0 has its feature maps (largest pixel difference ${worst})`);

  // A drawing.
  await page.locator("#sketch").scrollIntoViewIfNeeded();
  const box = await page.locator("#sketch").boundingBox();
  await page.mouse.move(box.x + 30, box.y + 40);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + 30 + i * 10, box.y + 40 + i * 8);
  await page.mouse.up();
  const selected = () => page.evaluate(() => window.getSelection().toString().length);
  check(await selected() === 0, "drawing selected text on the page");
  await page.evaluate(() => { document.querySelector("#classify-bars").innerHTML = ""; });
  await page.click("#sketch-classify");
  await page.waitForFunction(() => document.querySelector("#classify-bars .bars"), null, { timeout: 60_000 });
  console.log(`drawing: ${await page.textContent("#classify-status")}`);
  await page.locator("#classify").screenshot({ path: `${shots}/classify.png` });

  // A drawing sent and, in the same task, a click on strip image 4: the two answers may come in
  // either order, and the canvas must end on the click's maps under the click's label (the
  // drawing's answer, read after the click, used to relabel the strip's maps as the drawing's).
  await page.evaluate(() => { document.querySelector("#classify-bars").innerHTML = ""; });
  await page.evaluate(() => {
    document.querySelector("#sketch-classify").click();
    const strip = document.querySelector("#test-strip");
    const r = strip.getBoundingClientRect();
    strip.dispatchEvent(new MouseEvent("click", { bubbles: true, clientX: r.left + r.width * 0.35, clientY: r.top + r.height / 2 }));
  });
  await page.waitForFunction(() => document.querySelector("#classify-bars .bars"), null, { timeout: 60_000 });
  await page.waitForFunction((want) => document.querySelector("#feature-maps").toDataURL() === want, fourth, { timeout: 60_000 })
    .catch(() => fail("after a drawing and a strip click in one task, the canvas did not end on strip image 4's maps"));
  const raced = await page.textContent("#feature-maps-label");
  console.log(`drawing, then a strip click: ${raced}`);
  check(/imagen 4 de la tira/.test(raced), `the click's maps keep the click's label: ${raced}`);

  // A pasted image (a larger PNG: resized by the filter).
  await page.evaluate(() => { document.querySelector("#classify-bars").innerHTML = ""; });
  await page.evaluate(async () => {
    const c = document.createElement("canvas");
    c.width = 300; c.height = 200;
    const g = c.getContext("2d");
    g.fillStyle = "#3a7bd5"; g.fillRect(0, 0, 300, 200);
    g.fillStyle = "#ffffff"; g.fillRect(100, 60, 100, 80);
    const blob = await new Promise((ok) => c.toBlob(ok, "image/png"));
    const data = new DataTransfer();
    data.items.add(new File([blob], "pegada.png", { type: "image/png" }));
    document.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true }));
  });
  await page.waitForFunction(() => document.querySelector("#classify-bars .bars"), null, { timeout: 60_000 });
  console.log(`pasted: ${await page.textContent("#classify-status")}`);

  // Bad files: each a specific message, nothing else changes.
  for (const [name, buffer, expect] of [
    ["vacia.png", Buffer.alloc(0), /vacío/],
    ["notas.png", Buffer.from("esto no es una imagen"), /no es una imagen/],
    ["enorme.png", pngHeader(40000, 30000), /40000×30000/],
    ["rota.png", Buffer.from(png, "base64").subarray(0, 60), /dañado/],
  ]) {
    await page.setInputFiles("#classify-file", { name, mimeType: "image/png", buffer });
    await page.waitForFunction((re) => new RegExp(re).test(document.querySelector("#classify-status").textContent),
      expect.source, { timeout: 30_000 }).catch(() => {});
    const text = await page.textContent("#classify-status");
    check(expect.test(text), `${name}: ${text}`);
    console.log(`${name}: ${text}`);
  }
  await page.setInputFiles("#weights-file", { name: "no-pesos.safetensors", mimeType: "application/octet-stream", buffer: Buffer.from(png, "base64") });
  await page.waitForFunction(() => /no sirve/.test(document.querySelector("#classify-status").textContent), null, { timeout: 30_000 })
    .catch(() => {});
  const weights = await page.textContent("#classify-status");
  check(/no sirve y no se ha cambiado nada/.test(weights), `bad weights: ${weights}`);
  console.log(`bad weights file: ${weights}`);
  check(/época 1|final/.test(await page.textContent("#classify-model")), "the model in use did not change");

  // The metrics as CSV: a header and one line per epoch.
  const [csvDownload] = await Promise.all([page.waitForEvent("download"), page.click("#export-csv")]);
  const csv = (await readFile(await csvDownload.path(), "utf8")).trim().split("\n");
  check(csv[0].startsWith("epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy") && csv.length >= 2
    && csv[1].startsWith("1,"), `CSV: ${csv.slice(0, 2).join(" | ")}`);
  console.log(`CSV export: ${csv.length - 1} epoch line(s): ${csv[1]}`);

  // Charts as SVG.
  const downloads = [];
  page.on("download", (d) => downloads.push(d));
  await page.click("#export-svg");
  await page.waitForTimeout(1500);
  check(downloads.length === 3, `three SVG files, got ${downloads.length}`);
  if (downloads.length) {
    const svg = await readFile(await downloads[0].path(), "utf8");
    check(svg.startsWith("<svg") && svg.includes("Pérdida por época") && svg.includes("<polyline"),
      `SVG: ${svg.slice(0, 120)}`);
    console.log(`SVG export: ${downloads.map((d) => d.suggestedFilename()).join(", ")} (${svg.length} bytes)`);
  }

  // The switch to English: chrome, class names, charts; the lesson stays Spanish.
  const lesson = await page.textContent("#tutorial h1");
  // A message in the status line (the share link's), to be rewritten by the switch.
  await page.click("#share");
  check(/Copia el enlace/.test(await page.textContent("#status")), `share message: ${await page.textContent("#status")}`);
  check(/CIFAR-10 listo/.test(await page.textContent("#data-status")), `data line: ${await page.textContent("#data-status")}`);
  await page.selectOption("#lang", "en");
  check(await page.getAttribute("html", "lang") === "en", "html lang=en");
  check((await page.textContent("#controls h2")) === "Training", "English heading");
  check((await page.textContent("#start")) === "Train", "English button");
  check(/airplane/.test(await page.textContent("#confusion")), "English class names in the confusion matrix");
  // The bad weights file's message stays (over the last classification's bars), in English now;
  // so do the status line's message and the data line, which the worker and the page wrote.
  check(/cannot be used and nothing was changed/.test(await page.textContent("#classify-status")),
    `English weights error: ${await page.textContent("#classify-status")}`);
  check(/^Copy the link/.test(await page.textContent("#status")), `English status message: ${await page.textContent("#status")}`);
  check(/^CIFAR-10 ready: /.test(await page.textContent("#data-status")), `English data line: ${await page.textContent("#data-status")}`);
  check(await page.textContent("#tutorial h1") === lesson && await page.getAttribute("#tutorial", "lang") === "es",
    "the lesson stays in Spanish");
  check(/after epoch 1/.test(await page.textContent("#strip-epoch")), "English strip caption");
  check(/Evaluation on the test data/.test(await page.textContent("#final")), "English final evaluation");
  // Lines the page wrote itself are written again in English too.
  check(/^\(your image; /.test(await page.textContent("#feature-maps-label")), `English feature-map label: ${await page.textContent("#feature-maps-label")}`);
  check(/epoch 1 saved/.test(await page.textContent("#checkpoint-status")), `English checkpoint line: ${await page.textContent("#checkpoint-status")}`);
  await page.waitForFunction(() => /images, with the model/.test(document.querySelector("#explore-status").textContent),
    null, { timeout: 30_000 }).catch(() => fail("explorer caption not in English"));
  const label = await page.evaluate(() => Chart.getChart("loss-chart").data.datasets[0].label);
  check(label === "training", `chart series ${label}`);
  const leftovers = await page.$$eval("[data-i18n]", (els) => els.filter((e) => /[áéíóúñ¿]/.test(e.textContent)).map((e) => e.dataset.i18n));
  check(leftovers.length === 0, `Spanish left in the English interface: ${leftovers}`);
  await page.screenshot({ path: `${shots}/page-en.png` });

  // A browser that prefers English gets English from the start; the choice is remembered.
  const english = await browser.newPage({ locale: "en-GB" });
  const englishConsole = watch(english);
  await english.goto(server.url);
  await english.waitForFunction(() => document.documentElement.lang === "en", null, { timeout: 60_000 });
  check((await english.textContent("#controls h2")) === "Training", "English from navigator.languages");
  await english.selectOption("#lang", "es");
  englishConsole.expect(ABORTED_REQUEST); // the reload cuts the module's download short
  await english.reload();
  await english.waitForFunction(() => document.querySelector("#controls h2").textContent === "Entrenamiento",
    null, { timeout: 60_000 }).catch(() => fail("the chosen language was not remembered"));
  console.log("language: from the browser (en-GB → English), switch and reload (→ Spanish): ok");

  // A reload brings the saved run's network back: a person's image is classified as before it,
  // and the strip's predictions and the explorer return (the page is in English now).
  const strip0 = await page.$$eval("#strip-labels span", (s) => s.map((x) => `${x.dataset.predicted}:${x.dataset.confidence}`).join(" "));
  const final0 = await page.textContent("#final");
  // The batch losses and the gradient windows as drawn (x labels, losses, one line per window).
  const drawn = () => page.evaluate(() => {
    const batch = Chart.getChart("batch-chart").data, grad = Chart.getChart("grad-chart").data;
    return { x: batch.labels.join(" "), loss: batch.datasets[0].data.map(Number),
      windows: grad.datasets.map((d) => `${d.label}: ${d.data.length}`).join("; "), norms: grad.datasets.flatMap((d) => d.data.map(Number)) };
  });
  const charts0 = await drawn();
  await page.reload();
  await page.waitForFunction(() => /A model is ready/.test(document.querySelector("#classify-status").textContent),
    null, { timeout: 60_000 }).catch(() => fail("after a reload, no model to classify with"));
  check(/final model \(1 epoch/.test(await page.textContent("#classify-model")), `the saved run's model: ${await page.textContent("#classify-model")}`);
  await page.waitForFunction(() => document.querySelectorAll("#explore-labels figure").length > 0, null, { timeout: 120_000 })
    .catch(() => fail("after a reload, the explorer did not come back"));
  const strip1 = await page.$$eval("#strip-labels span", (s) => s.map((x) => `${x.dataset.predicted}:${x.dataset.confidence}`).join(" "));
  check(strip1 === strip0, `the strip's predictions after a reload: ${strip1} (before: ${strip0})`);
  const charts1 = await drawn();
  const close = (a, b) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= 1e-5 * Math.max(1, Math.abs(v)));
  check(charts0.windows.length > 0 && charts1.x === charts0.x && charts1.windows === charts0.windows
    && close(charts1.loss, charts0.loss) && close(charts1.norms.filter(Number.isFinite), charts0.norms.filter(Number.isFinite)),
    `the batch and gradient charts after a reload: ${JSON.stringify(charts1).slice(0, 300)} (before: ${JSON.stringify(charts0).slice(0, 300)})`);
  console.log(`charts after a reload: batch ${charts1.x} · gradients ${charts1.windows}`);
  const final1 = await page.textContent("#final");
  check(/^epoch 1 saved/.test(await page.textContent("#checkpoint-status")), `the checkpoint line after a reload: ${await page.textContent("#checkpoint-status")}`);
  check(final0.length > 0 && final1 === final0, `the final evaluation after a reload: «${final1}» (before: «${final0}»)`);
  await page.setInputFiles("#classify-file", { name: "test-0.png", mimeType: "image/png", buffer: Buffer.from(png, "base64") });
  await page.waitForFunction(() => document.querySelector("#classify-bars .bars"), null, { timeout: 60_000 });
  const again = (await page.getAttribute("#classify-bars .bars", "data-probabilities")).split(",").map(Number);
  const moved = Math.max(...again.map((p, i) => Math.abs(p - probabilities[i])));
  check(again.length === 10 && moved <= 1e-6, `test image 0 after a reload: largest change of a probability ${moved}`);
  console.log(`reload: the saved model classifies test image 0 as before (|Δ| ≤ ${moved.toExponential(1)}), strip and explorer back`);
} catch (e) {
  fail(e.message);
  await dump(browser, ["status", "classify-status", "explore-status", "data-status", "m-adapter"], `${shots}/use-failure.png`);
} finally {
  await browser.close();
  server.close();
}
finish();

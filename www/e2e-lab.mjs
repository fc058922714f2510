// End-to-end test of the lab in the built page (dist/), in headless Chromium on the CPU backend,
// with a tiny budget (the link's `budget_s`):
//   1. the lesson's button sets up the degradation experiment: the device's speed is measured,
//      the plan (networks, subsets, epochs, expected time) is shown before anything starts;
//   2. the experiment runs its four networks one after another; a reload in the middle of the
//      third finds the experiment half done, continues that network from its checkpoint, then
//      the fourth; the overlay has four labelled runs (eight curves) and a verdict;
//   3. after another reload the kept runs are listed; two of them overlaid; the overlay's CSV;
//      a run deleted;
//   4. the presets fill the controls and say their expected time;
//   5. the English interface translates the lab.
// Screenshots: target/e2e/lab-plan.png, lab-degradation.png, lab-compare.png.
//
//   node www/e2e-lab.mjs [dist]
import { mkdir, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ABORTED_REQUEST, launch, report, serve } from "./harness.mjs";

const dist = process.argv[2] ?? "dist";
const shots = resolve("target/e2e");
await mkdir(shots, { recursive: true });
const server = await serve(dist);
const { watch, check, fail, dump, finish } = report("e2e-lab");

const overlay = (page) => page.evaluate(() => {
  const chart = Chart.getChart(document.getElementById("compare-chart"));
  return chart.data.datasets.map((d) => ({ label: d.label, points: d.data.filter((v) => v !== null).length,
    dashed: (d.borderDash ?? []).length > 0 }));
});
const rows = (page) => page.$$eval("#runs-list tbody tr", (trs) => trs.map((tr) => tr.textContent));
const text = (page, id) => page.textContent(`#${id}`);
const waitText = (page, id, pattern, timeout = 300_000) => page.waitForFunction(
  ([id, source]) => new RegExp(source).test(document.getElementById(id).textContent), [id, pattern.source], { timeout });

const browser = await launch({ webgpu: false });
// 12 s: the four networks' fixed start-up allowance alone (experiment.rs, RUN_OVERHEAD_S = 3 s each),
// so the smallest plan never fits, on a device of any speed.
const query = "batch_size=32&budget_s=12";
try {
  const context = await browser.newContext({ viewport: { width: 1500, height: 1100 }, locale: "es-ES" });
  let page = await context.newPage();
  const watcher = watch(page, { expected: [ABORTED_REQUEST] });
  await page.goto(`${server.url}?${query}`);
  await page.waitForFunction(() => !document.querySelector("#start").disabled, null, { timeout: 120_000 });

  // 1. The lesson's button: measure, then the plan, before anything trains.
  await page.click("#tutorial [data-experiment=degradation]");
  await waitText(page, "plan-text", /Degradación/, 120_000);
  const plan = await text(page, "plan-text");
  console.log(`plan: ${plan}`);
  console.log(`status: ${await text(page, "experiment-status")}`);
  check(/Plain-20, ResNet20 v1, Plain-56, ResNet56 v1/.test(plan), `the plan names the four networks: ${plan}`);
  check(/2 épocas sobre 64 imágenes de entrenamiento y 100 de prueba/.test(plan), `a tiny budget's plan: ${plan}`);
  check(/≈ \d/.test(plan) && /No cabe en 12 s/.test(plan), `the expected time, and that it does not fit: ${plan}`);
  check(/Velocidad medida: [\d.]+ imágenes\/s entrenando Plain-20/.test(await text(page, "experiment-status")),
    "the measured speed is said");
  check(await page.evaluate(() => document.querySelector("#m-loss").textContent.trim()) === "—", "nothing trained yet");
  check(await page.evaluate(() => document.activeElement?.id) === "plan-start", "the plan's «Empezar» takes the focus");
  await page.locator("#experiments").screenshot({ path: `${shots}/lab-plan.png` });

  // 2. Start; reload in the middle of the third network; continue.
  await page.click("#plan-start");
  check(await page.evaluate(() => document.activeElement?.id) === "experiment-status", "the progress line takes the focus from the plan");
  // Pause and resume act on the network in progress.
  await waitText(page, "experiment-status", /red 1 de 4, Plain-20/, 60_000);
  await page.waitForFunction(() => !document.querySelector("#pause").disabled, null, { timeout: 60_000 });
  await page.click("#pause");
  await waitText(page, "status", /En pausa/, 60_000);
  const during = await text(page, "experiment-status");
  check(/red 1 de 4/.test(during), "paused in the first network");
  check(/Quedan ≈ \d/.test(during), `the time the experiment has left: ${during}`);
  // «Continuar», and «Pausar» again the moment the page says it trains (in the same task as that
  // message): the run must pause again (the worker once said «Entrenando» before its paused
  // loop had seen the resume, and then never said it paused again).
  await page.evaluate(() => {
    const status = document.querySelector("#status");
    new MutationObserver((_, observer) => {
      if (/Entrenando/.test(status.textContent) && !document.querySelector("#pause").disabled) {
        observer.disconnect();
        document.querySelector("#pause").click();
        window.pausedAgain = true;
      }
    }).observe(status, { childList: true, characterData: true, subtree: true });
    document.querySelector("#pause").click();
  });
  await page.waitForFunction(() => window.pausedAgain, null, { timeout: 60_000 });
  await waitText(page, "status", /En pausa/, 60_000)
    .catch(async () => fail(`a pause right after a resume did not pause: «${await text(page, "status")}»`));
  await page.click("#pause");
  await waitText(page, "experiment-status", /red 3 de 4, Plain-56/);
  await waitText(page, "checkpoint-status", /época 1 guardada/, 300_000);
  check((await rows(page)).length === 2, "two finished networks are kept before the reload");
  watcher.expect(ABORTED_REQUEST);
  await page.reload();
  await page.waitForFunction(() => !document.querySelector("#continue-experiment").disabled, null, { timeout: 120_000 });
  const saved = await text(page, "experiment-saved-text");
  console.log(`after the reload: ${saved}`);
  check(/«Degradación» a medias: 2 de 4 redes terminadas/.test(saved), `the experiment is found half done: ${saved}`);
  check(!(await page.isVisible("#saved-run")), "no second offer beside the experiment's");
  check((await overlay(page)).length === 4, "the two finished networks are overlaid after the reload");
  // Another experiment would end this one for good: the page asks first; «Cancelar» keeps it.
  await page.click("#experiments [data-experiment=versions]");
  await waitText(page, "plan-text", /v1 frente a v2/, 60_000);
  let replacing = "";
  page.once("dialog", (d) => { replacing = d.message(); d.dismiss(); });
  await page.click("#plan-start");
  await page.waitForTimeout(500);
  check(/«Degradación» está a medias \(2 de 4 redes terminadas\)/.test(replacing), `asked before replacing it: «${replacing}»`);
  check(await page.isVisible("#experiment-saved") && await page.isVisible("#plan"), "kept, and the new plan still offered");
  await page.click("#plan-cancel");
  await page.click("#continue-experiment");
  await waitText(page, "m-epoch", /época \d/, 120_000);
  const resumed = await text(page, "m-epoch");
  check(/^época 2/.test(resumed), `the third network continues from its checkpoint: ${resumed}`);
  await waitText(page, "experiment-status", /Experimento «Degradación» terminado/);
  const curves = await overlay(page);
  console.log(`overlay: ${JSON.stringify(curves)}`);
  check(curves.length === 8, `eight curves (four runs): ${curves.length}`);
  for (const name of ["Plain-20", "ResNet20 v1", "Plain-56", "ResNet56 v1"]) {
    check(curves.some((c) => c.label === `${name} · entrenamiento` && c.dashed && c.points === 2)
      && curves.some((c) => c.label === `${name} · prueba` && !c.dashed && c.points === 2), `${name}'s two curves`);
  }
  const verdict = await text(page, "verdict");
  console.log(`verdict: ${verdict}`);
  check(/^Error final de entrenamiento: Plain-20 [\d.]+ %.*Plain-56.*ResNet56 v1 [\d.]+ %.*(Esta ejecución lo muestra|prueba con más tiempo|más que adivinando)/.test(verdict),
    `the verdict: ${verdict}`);
  check(/Qué buscar/.test(await text(page, "look-for")), "what to look for");
  await page.locator("#experiments").screenshot({ path: `${shots}/lab-degradation.png` });

  // 3. Another reload: the kept runs; overlay two; export; delete one.
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll("#runs-list tbody tr").length >= 4, null, { timeout: 120_000 });
  const list = await rows(page);
  console.log(`kept runs: ${list.length}\n  ${list.join("\n  ")}`);
  check(list.length === 4 && list.every((r) => /2\/2 épocas · lote 32 · 64 imágenes · prueba: 100 · tasa 0.001 · con aumentación · experimento «Degradación»/.test(r)),
    "four kept runs with their settings and their experiment");
  check((await overlay(page)).length === 0, "nothing overlaid before a choice");
  // The saved run is an experiment's network: the controls keep the link's settings, not its.
  const controls = [await page.inputValue("#model"), await page.inputValue("#train-images"), await page.inputValue("#batch-size")];
  check(controls.join(" ") === "resnet20v1  32", `the controls after a reload, an experiment's network saved: ${controls}`);
  check(await page.isDisabled("#compare-csv"), "nothing to export before a run is ticked");
  check(await text(page, "verdict") === "", "no verdict before a choice");
  // The experiment's four runs ticked by hand: its verdict and what to look for come back; a
  // box keeps the focus after the list is drawn again.
  const boxes = page.locator("#runs-list input[type=checkbox]");
  for (let i = 0; i < 4; i++) await boxes.nth(i).check();
  check(await page.evaluate(() => document.activeElement?.matches("#runs-list input[data-run]")), "the ticked box keeps the focus");
  check(await text(page, "verdict") === verdict, `the verdict again, its runs ticked: ${await text(page, "verdict")}`);
  check(/Qué buscar/.test(await text(page, "look-for")), "what to look for again");
  await boxes.nth(1).uncheck();
  await boxes.nth(2).uncheck();
  check(await text(page, "verdict") === "", "no verdict for two of its runs");
  const two = await overlay(page);
  check(two.length === 4 && two[0].label === "ResNet56 v1 · entrenamiento" && two[2].label === "Plain-20 · entrenamiento",
    `two runs overlaid, newest first: ${JSON.stringify(two.map((c) => c.label))}`);
  const [csv] = await Promise.all([page.waitForEvent("download"), page.click("#compare-csv")]);
  const lines = (await readFile(await csv.path(), "utf8")).trim().split("\n");
  check(lines.length === 1 + 4 && /^run,model,augment,epoch,train_loss,train_error/.test(lines[0]), `the overlay's CSV: ${lines.length} lines`);
  const [svg] = await Promise.all([page.waitForEvent("download"), page.click("#compare-svg")]);
  check(/<svg/.test(await readFile(await svg.path(), "utf8")), "the overlay's SVG");
  // One run's JSON: its whole record, settings included, under a name that says them.
  const [one] = await Promise.all([page.waitForEvent("download"), page.click("#runs-list tbody tr:nth-child(1) [data-format=json]")]);
  const record = JSON.parse(await readFile(await one.path(), "utf8"));
  check(/^resnet56v1-\d+\.json$/.test(one.suggestedFilename()) && record.config?.model === "resnet56v1"
    && record.history?.length === 2 && record.config?.augment === true, `one run's JSON: ${one.suggestedFilename()} ${JSON.stringify(record).slice(0, 120)}`);
  await page.locator("#experiments").screenshot({ path: `${shots}/lab-compare.png` });
  // Deleting asks first, naming the run; every row's buttons are named after their run.
  const named = await page.getAttribute("#runs-list tbody tr:nth-child(2) [data-delete-run]", "aria-label");
  check(/^Borrar: (Plain|ResNet)\S* ?\S*, .+\d/.test(named), `the delete button's name: ${named}`);
  let asked = "";
  page.once("dialog", (d) => { asked = d.message(); d.dismiss(); });
  await page.click("#runs-list tbody tr:nth-child(2) [data-delete-run]");
  await page.waitForTimeout(500);
  check(/^¿Borrar la ejecución .+\? No se puede deshacer\.$/.test(asked) && (await rows(page)).length === 4,
    `a deletion asked first, and «Cancelar» kept the run: «${asked}»`);
  page.once("dialog", (d) => d.accept());
  await page.click("#runs-list tbody tr:nth-child(2) [data-delete-run]");
  await page.waitForFunction(() => document.querySelectorAll("#runs-list tbody tr").length === 3, null, { timeout: 30_000 });
  check((await overlay(page)).length === 4, "the overlaid runs stay after deleting another");

  // 3b. An experiment started in this page gives the controls back as they were when it ends
  // (its networks ran on a subset, one without augmentation).
  await page.fill("#epochs", "3");
  await page.fill("#train-images", "");
  await page.check("#augment");
  await page.click("#experiments [data-experiment=augmentation]");
  await waitText(page, "plan-text", /Aumentación sí\/no/, 60_000);
  await page.click("#plan-start");
  await waitText(page, "experiment-status", /Experimento «Aumentación sí\/no» terminado/);
  const after = [await page.inputValue("#epochs"), await page.inputValue("#train-images"), String(await page.isChecked("#augment"))];
  check(after.join(" ") === "3  true", `the controls after the experiment: ${after}`);
  console.log(`augmentation verdict: ${await text(page, "verdict")}`);
  const names = await page.$$eval("#runs-list tbody tr label", (ls) => ls.map((l) => l.textContent.trim()));
  check(names.includes("ResNet20 v1 (sin aumentación)") && names.includes("ResNet20 v1"), `the two runs are named apart: ${names}`);

  // 4. Presets: they fill the controls and give their expected time before anything starts.
  await page.click("#preset-quick");
  await waitText(page, "plan-eta", /Prueba rápida.*≈/, 60_000);
  const quick = { eta: await text(page, "plan-eta"), epochs: await page.inputValue("#epochs"), train: await page.inputValue("#train-images") };
  console.log(`quick preset: ${JSON.stringify(quick)}`);
  check(+quick.epochs >= 2 && +quick.train >= 64, `the quick preset's settings: ${JSON.stringify(quick)}`);
  await page.click("#preset-paper");
  await waitText(page, "plan-eta", /Receta completa.*≈/, 60_000);
  const paper = { eta: await text(page, "plan-eta"), epochs: await page.inputValue("#epochs"), train: await page.inputValue("#train-images") };
  console.log(`paper preset: ${JSON.stringify(paper)}`);
  check(paper.epochs === "200" && paper.train === "" && / h /.test(paper.eta), `the paper's recipe: ${JSON.stringify(paper)}`);
  await page.fill("#epochs", "3");
  await waitText(page, "plan-eta", /^Duración estimada con estos ajustes: ≈/, 10_000);

  // 5. English.
  await page.selectOption("#lang", "en");
  check(/Experiments/.test(await page.textContent("#experiments h2")), "the lab's heading in English");
  check(/Model/.test(await page.textContent("#runs-list th")), "the runs list in English");
  await page.click("#experiments [data-experiment=versions]");
  await waitText(page, "plan-text", /Experiment “v1 versus v2”: ResNet20 v1, ResNet29 v2/, 30_000);
  await page.click("#plan-cancel");
  check(!(await page.isVisible("#plan")), "a plan can be cancelled");
  await page.close();
} catch (e) {
  fail(`${e.stack ?? e}`);
  await dump(browser, ["status", "experiment-status", "plan-text", "experiment-saved-text", "checkpoint-status", "verdict", "m-epoch"],
    `${shots}/lab-failure.png`);
} finally {
  await browser.close();
  server.close();
}
finish();

// End-to-end test of two tabs and the one saved run (a Web Lock, src/web/worker/lock.rs), in
// headless Chromium on the CPU backend: while tab A trains, tab B's «Entrenar», «Descartar» and
// «Continuar un estado guardado» say that another tab holds the saved run and change nothing;
// once A has stopped, B trains. Also: a link's bad values are named in the status line. Served
// without cross-origin isolation, as a host without COOP/COEP would: the CPU backend on one
// thread, in the page's own module.
// Screenshot: target/e2e/tabs.png.
//
//   node www/e2e-tabs.mjs [dist]
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { launch, report, serve } from "./harness.mjs";

const dist = process.argv[2] ?? "dist";
const shots = resolve("target/e2e");
await mkdir(shots, { recursive: true });
const server = await serve(dist, { isolated: false });
const { watch, check, fail, dump, finish } = report("e2e-tabs");
const browser = await launch({ webgpu: false });
const OTHER_TAB = /Otra pestaña de esta página está entrenando/;
const status = (page) => page.textContent("#status");
const ready = (page) => page.waitForFunction(() => !document.querySelector("#start").disabled, null, { timeout: 120_000 });

try {
  const context = await browser.newContext({ viewport: { width: 1500, height: 1000 }, locale: "es-ES" });
  // A long run on a slice of the data: it is still going when tab B tries.
  const query = "model=resnet20v1&batch_size=16&epochs=200&train_images=32&test_images=32";
  const a = await context.newPage();
  watch(a);
  await a.goto(`${server.url}?${query}`);
  await ready(a);
  const device = await a.textContent("#m-adapter");
  check(/^CPU \(WebAssembly, 1 hilo\)/.test(device), `not isolated: the CPU on one thread, got «${device}»`);
  await a.click("#start");
  await a.waitForFunction(() => !document.querySelector("#stop").disabled, null, { timeout: 60_000 });
  // Its first epoch stored: a saved run exists that B could overwrite.
  await a.waitForFunction(() => /época 1|epoch 1/i.test(document.querySelector("#checkpoint-status").textContent), null, { timeout: 120_000 });
  console.log(`tab A trains: «${(await a.textContent("#checkpoint-status")).slice(0, 80)}»`);

  const b = await context.newPage();
  watch(b);
  await b.goto(`${server.url}?${query}&epochs=3`);
  await ready(b);
  await b.click("#start");
  await b.waitForFunction((re) => new RegExp(re).test(document.querySelector("#status").textContent), OTHER_TAB.source, { timeout: 30_000 });
  console.log(`tab B, «Entrenar»: «${(await status(b)).slice(0, 90)}…»`);
  check(!(await b.isDisabled("#start")), "tab B can try again later");
  if (await b.isVisible("#discard-run")) {
    await b.click("#discard-run");
    await b.waitForTimeout(1000);
    check(OTHER_TAB.test(await status(b)), `«Descartar» in tab B is refused too: «${await status(b)}»`);
  }
  await b.screenshot({ path: `${shots}/tabs.png` });
  // A went on untouched: its run is still running and its checkpoints still its own.
  check(!(await a.isDisabled("#stop")), "tab A still trains");
  const before = await a.textContent("#m-epoch");
  await a.waitForFunction((t) => document.querySelector("#m-epoch").textContent !== t, before, { timeout: 60_000 });

  // A stops; now B may train (and its run replaces the saved one, as a new run does).
  await a.click("#stop");
  await a.waitForFunction(() => document.querySelector("#stop").disabled, null, { timeout: 120_000 });
  await b.click("#start");
  await b.waitForFunction(() => /Entrenando ResNet20 v1/.test(document.querySelector("#status").textContent)
    || document.querySelector("#m-loss").textContent.trim() !== "—", null, { timeout: 60_000 });
  console.log(`after tab A stopped, tab B trains: «${(await status(b)).slice(0, 60)}»`);
  await b.click("#stop");
  await b.waitForFunction(() => document.querySelector("#stop").disabled, null, { timeout: 120_000 });
  await context.close();

  // A link with bad values: the page opens with the good ones and names the bad ones.
  const link = await browser.newPage({ viewport: { width: 1500, height: 1000 }, locale: "es-ES" });
  watch(link);
  await link.goto(`${server.url}?batch_size=-1&model=resnet9999v1&epochs=7`);
  await ready(link);
  const said = await status(link);
  check(/batch_size=-1/.test(said) && /model=resnet9999v1/.test(said), `the status line names the bad values: «${said}»`);
  check(await link.inputValue("#epochs") === "7", "the link's good value is kept");
  check(await link.inputValue("#model") === "resnet20v1", "a bad model falls back to the default");
  console.log(`bad link: «${said.slice(0, 160)}»`);
} catch (e) {
  fail(`two tabs: ${e.message}`);
  await dump(browser, ["status", "checkpoint-status", "m-epoch"], `${shots}/tabs-failure.png`);
} finally {
  await browser.close();
  server.close();
}
finish();

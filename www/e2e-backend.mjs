// End-to-end test: the device list's last choice is the device. WebGPU's first choice waits for
// the browser (its initialisation, the peak measurement), so a person who picks «GPU (WebGPU)»
// and at once «CPU» gets the CPU's answer first; the WebGPU answer that comes after must change
// nothing (src/web/worker/device.rs, `latest`). Before, it took the worker's device and the device
// line while the list said «CPU». Then WebGPU picked on its own still works.
//
// First, «GPU (WebGPU)» picked the moment the worker is ready, while «Automático» still
// initialises WebGPU: both must get the one device (`init_webgpu`). Before, the second asked
// burn for it again, was refused («A server is still registered»), and the page said WebGPU had
// no adapter and fell back to the CPU.
//
// Served without cross-origin isolation, so that the CPU is the WebGPU module's own backend (no
// worker is replaced on the switch) and «Automático» picks the CPU on SwiftShader.
//
//   node www/e2e-backend.mjs [dist]
import { launch, report, serve } from "./harness.mjs";

const dist = process.argv[2] ?? "dist";
const server = await serve(dist, { isolated: false });
const browser = await launch();
const { watch, check, fail, dump, finish } = report("e2e-backend");
const ready = (page) => page.waitForFunction(() => !document.querySelector("#start").disabled, null, { timeout: 120_000 });
const line = (page) => page.textContent("#m-adapter");
try {
  const early = await browser.newPage({ viewport: { width: 1500, height: 1000 }, locale: "es-ES" });
  watch(early);
  // The page's `Ready` handler asks for «Automático» and then writes «Descargando CIFAR-10…»:
  // pick WebGPU in the same task (a mutation observer's callback runs before the next task, so
  // before the worker can have answered). Installed before the page's scripts run.
  await early.addInitScript(() => {
    const pick = () => {
      const status = document.querySelector("#data-status");
      const list = document.querySelector("#backend");
      if (!status || !list || !status.textContent.startsWith("Descargando CIFAR-10…")) return false;
      window.__listAtReady = list.value;
      list.value = "webgpu";
      list.dispatchEvent(new Event("change"));
      return true;
    };
    const observer = new MutationObserver(() => { if (pick()) observer.disconnect(); });
    observer.observe(document, { childList: true, characterData: true, subtree: true });
  });
  await early.goto(server.url);
  await early.waitForFunction(() => window.__listAtReady !== undefined, null, { timeout: 120_000 });
  const atReady = await early.evaluate(() => window.__listAtReady);
  check(atReady === "auto", `the list said «${atReady}» when the worker was ready, not «auto»: nothing raced`);
  await ready(early);
  await early.waitForTimeout(2_000);
  const picked = await line(early);
  const notice = (await early.textContent("#gpu-status")) ?? "";
  console.log(`WebGPU picked while «Automático» initialises: «${picked}», list: ${await early.inputValue("#backend")}`);
  check(picked.startsWith("WebGPU"), `WebGPU picked during «Automático»'s initialisation left «${picked}»: ${notice}`);
  check(!notice.includes("no pudo darnos un adaptador"), `the page says WebGPU failed: ${notice}`);
  await early.close();

  const page = await browser.newPage({ viewport: { width: 1500, height: 1000 }, locale: "es-ES" });
  watch(page);
  await page.goto(server.url);
  await ready(page);
  check((await line(page)).startsWith("CPU"), `«Automático» on SwiftShader is not the CPU: «${await line(page)}»`);
  await page.selectOption("#backend", "webgpu");
  await page.selectOption("#backend", "cpu");
  await ready(page);
  // Long enough for the WebGPU answer (initialisation and peak: about a second here).
  await page.waitForTimeout(5_000);
  const after = await line(page);
  console.log(`WebGPU then CPU at once, 5 s later: «${after}», list: ${await page.inputValue("#backend")}`);
  check(after.startsWith("CPU"), `the list says «CPU» and the device line «${after}»`);
  await page.selectOption("#backend", "webgpu");
  await page.waitForFunction(() => document.querySelector("#m-adapter").textContent.startsWith("WebGPU"), null, { timeout: 120_000 });
  await ready(page);
  console.log(`then WebGPU: «${await line(page)}»`);
} catch (e) {
  fail(`${e.message ?? e}`);
  await dump(browser, ["m-adapter", "data-status", "status"], "target/e2e/backend.png");
} finally {
  await browser.close();
  server.close();
}
finish();

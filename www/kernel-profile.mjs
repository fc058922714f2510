// The page's kernel profile on WebGPU: the top kernels by device time over a fresh run's steps
// 2–11 in the browser, each kernel timed with WebGPU timestamp queries (the page opened with
// `?kernels=1`: src/web/worker/kernels.rs), one Markdown table per model × link query.
//
//   node www/kernel-profile.mjs [dist] [batch] [models, default resnet20v1] [link queries, e.g. conv=backend,conv=wgsl]
//
// Headless Chromium with --enable-unsafe-webgpu, which also turns off Dawn's rounding of
// timestamps to 65.5 µs (measured here: no launch came back unmeasured). A visitor's Chrome
// rounds them unless started with that flag or --enable-webgpu-developer-features (Chromium's
// sources; not tried here); the table's first line counts the launches without a measurement.
// Here the adapter is SwiftShader: read shares and dispatch counts, not milliseconds.
import { launch, openReady, serve } from "./harness.mjs";

const dist = process.argv[2] ?? "dist";
const batch = process.argv[3] ?? "32";
const models = (process.argv[4] ?? "resnet20v1").split(",");
const queries = (process.argv[5] ?? "").split(",");
const server = await serve(dist);
const browser = await launch();
const tables = [];
try {
  for (const model of models) for (const query of queries) {
    const url = `${server.url}?kernels=1${query ? `&${query}` : ""}`;
    const page = await openReady(browser, url, "webgpu");
    const profile = new Promise((resolve) => page.on("console", (message) => {
      if (message.text().startsWith("kernel profile")) resolve(message.text());
    }));
    await page.selectOption("#model", model);
    await page.fill("#batch-size", batch);
    await page.fill("#epochs", "1");
    const adapter = await page.textContent("#m-adapter");
    await page.click("#start");
    // The timer is cleared once the profile is in: a pending one would keep node alive for the
    // rest of its 20 minutes after the table was printed.
    let timer;
    const timeout = new Promise((_, fail) => {
      timer = setTimeout(() => fail(new Error("no kernel profile within 20 minutes")), 1_200_000);
    });
    const text = await Promise.race([profile, timeout]).finally(() => clearTimeout(timer));
    const speed = await page.textContent("#m-speed");
    tables.push(`### ${model}, batch ${batch}, ${query || "default link"} — ${adapter}; ${speed} (steps 2–11, profiled)\n\n${text}`);
    await page.click("#stop");
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
console.log(tables.join("\n\n"));

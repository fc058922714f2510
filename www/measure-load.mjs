// What a visit costs: the built page's size (raw, gzip -9, brotli q11; the wasm and the whole page
// without the data archive) and, served by the e2e harness (www/harness.mjs, precompressed files
// when present), the time from navigation to the first paint, to the lesson's first equation in
// the DOM (`#tutorial math`) and to "ready" (`#start` enabled: module loaded, data parsed, device
// up); median of N fresh visits (new browser context each: nothing cached), optionally on a
// throttled network (CDP Network.emulateNetworkConditions; the worker's fetches go through the
// same emulation in Chromium). Prints Markdown tables (BENCHMARKS.md).
//
//   node www/measure-load.mjs [dist] [visits, default 5] [Mbit/s, default none: loopback]
import { readdir, readFile } from "node:fs/promises";
import { extname, join, relative } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import { launch, serve, throttle } from "./harness.mjs";

const dist = process.argv[2] ?? "dist";
const visits = Number(process.argv[3] ?? 5);
const mbit = process.argv[4] ? Number(process.argv[4]) : null;
const MB = (n) => (n / 1e6).toFixed(2);

// --- sizes -------------------------------------------------------------------------------------
async function files(folder) {
  const out = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory() && relative(dist, path) !== "data") out.push(...(await files(path)));
    else if (entry.isFile() && ![".gz", ".br"].includes(extname(path))) out.push(path);
  }
  return out;
}
const sizes = { wasm: [0, 0, 0], page: [0, 0, 0] };
for (const path of await files(dist)) {
  const body = await readFile(path);
  // Compressed as scripts/optimize-dist.mjs does (precompressed copies, when there, are the same).
  const gz = (await promisify(gzip)(body, { level: 9 })).length;
  const br = (await promisify(brotliCompress)(body, { params: {
    [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24,
    [constants.BROTLI_PARAM_SIZE_HINT]: body.length } })).length;
  const row = [body.length, Math.min(gz, body.length), Math.min(br, body.length)];
  for (let i = 0; i < 3; i += 1) sizes.page[i] += row[i];
  if (extname(path) === ".wasm") for (let i = 0; i < 3; i += 1) sizes.wasm[i] += row[i];
}
console.log(`| ${dist} | raw (MB) | gzip -9 (MB) | brotli q11 (MB) |`);
console.log("|---|---:|---:|---:|");
console.log(`| resnet-webgpu_bg.wasm | ${sizes.wasm.map(MB).join(" | ")} |`);
console.log(`| whole page (no data/) | ${sizes.page.map(MB).join(" | ")} |`);
console.log("");

// --- load times --------------------------------------------------------------------------------
// A build from before www/start.js starts its module with an inline script: no policy for it.
const inline = /<script\b(?![^>]*\bsrc=)[^>]*>/.test(await readFile(join(dist, "index.html"), "utf8"));
if (inline) console.log("(an inline script in index.html: served without the Content-Security-Policy)\n");
const server = await serve(dist, { policy: !inline });
const browser = await launch();
const runs = [];
try {
  for (let i = 0; i < visits; i += 1) {
    const context = await browser.newContext({ viewport: { width: 1500, height: 1000 }, locale: "es-ES" });
    await context.addInitScript(() => {
      const marks = {};
      window.__marks = marks;
      const look = () => {
        if (!marks.lesson && document.querySelector("#tutorial math")) marks.lesson = performance.now();
        const start = document.querySelector("#start");
        if (!marks.ready && start && !start.disabled) marks.ready = performance.now();
      };
      new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true });
    });
    const page = await context.newPage();
    const transferred = { bytes: 0, encodings: new Set() };
    page.on("response", async (r) => {
      if (/\/data\//.test(r.url())) return;
      const encoding = r.headers()["content-encoding"];
      if (encoding) transferred.encodings.add(encoding);
      transferred.bytes += Number(r.headers()["content-length"] ?? 0);
    });
    if (mbit) await throttle(page, mbit);
    await page.goto(server.url);
    await page.waitForFunction(() => window.__marks.ready, null, { timeout: 300_000 });
    const marks = await page.evaluate(() => ({
      ...window.__marks,
      fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime,
    }));
    runs.push({ ...marks, bytes: transferred.bytes, encodings: [...transferred.encodings].join("+") || "identity" });
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
const median = (key) => {
  const values = runs.map((r) => r[key]).filter(Number.isFinite).sort((a, b) => a - b);
  return values.length ? values[Math.floor(values.length / 2)] : NaN;
};
const s = (ms) => (ms / 1000).toFixed(2);
console.log(`| ${dist}, ${mbit ? `${mbit} Mbit/s, 20 ms` : "loopback"}, median of ${visits} | first paint (s) | lesson's first equation (s) | ready (s) | transferred, no data/ (MB) | encoding |`);
console.log("|---|---:|---:|---:|---:|---|");
console.log(`| | ${s(median("fcp"))} | ${s(median("lesson"))} | ${s(median("ready"))} | ${MB(median("bytes"))} | ${runs[0]?.encodings} |`);

// Shared by e2e.mjs and measure.mjs: serve a built page (dist/) on loopback and open it in
// Debian's headless Chromium with WebGPU (SwiftShader where there is no GPU).
import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript",
  ".wasm": "application/wasm", ".css": "text/css", ".svg": "image/svg+xml", ".json": "application/json",
  ".png": "image/png", ".gz": "application/gzip" };

/**
 * The page's Content-Security-Policy (README, "Hosting the page"): only what it loads. Its own
 * scripts (start.js, resnet-webgpu.js, chart.umd.min.js, worker.js as a module worker, the
 * threaded module's pool workers from a blob: copy of wasm-bindgen-rayon's script) and the
 * compiled wasm ('wasm-unsafe-eval'); styles from style.css and the style="…" attributes of the HTML
 * the module generates (bars, confusion-matrix cells: 'unsafe-inline' in style-src only); images
 * of its own, data: and blob: (previews, exports); fetches of its own (the archive). Downloads go
 * through data:/blob: links, which a policy does not govern. `trunk serve` sends the same with
 * 'unsafe-inline' in script-src for its autoreload script (Trunk.toml); www/e2e-serve.mjs checks
 * that the two agree.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Cross-origin isolation (README, "Hosting the page"): with these two headers the page may share
 * memory between threads, and the worker trains on the CPU with the threaded module.
 */
export const ISOLATION = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
};

/** The precompressed copies a request accepts, best first: [[suffix, encoding], …]. */
function encodingsFor(req, file) {
  const accepted = String(req.headers["accept-encoding"] ?? "").split(",")
    .map((part) => part.trim().split(";")[0].toLowerCase());
  if (file.endsWith(".gz")) return []; // the archive: gzip already, sent as the file it is
  return [[".br", "br"], [".gz", "gzip"]].filter(([, encoding]) => accepted.includes(encoding));
}

/**
 * Serves `dist` on 127.0.0.1 (a free port), as a real host should (README, "Hosting the page"):
 * the policy above and `nosniff` on every response, and the `.br` or `.gz` file that
 * scripts/optimize-dist.mjs put next to a file when the request accepts that encoding
 * (`compress: false` serves the files as they are; `policy: false` sends no policy, for builds
 * from before it, which started the module with an inline script; `isolated: false` leaves out
 * the cross-origin isolation headers, as a host without them would: the single-threaded CPU
 * path; `hold`, a function of the request's path, may return a promise that the response waits
 * for, e.g. an archive still "downloading"). Resolves to { url, close, served }, where
 * `served` counts the responses by encoding ("identity", "gzip", "br").
 */
export async function serve(dist, { compress = true, policy = true, isolated = true, hold = () => null } = {}) {
  const root = resolve(dist);
  const served = { identity: 0, gzip: 0, br: 0 };
  const server = createServer(async (req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const path = join(root, pathname);
    await hold(pathname);
    try {
      if (path !== root && !path.startsWith(root + sep)) throw new Error("outside dist");
      const file = (await stat(path)).isDirectory() ? join(path, "index.html") : path;
      const headers = { "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "x-content-type-options": "nosniff", "vary": "accept-encoding",
        ...(policy ? { "content-security-policy": CSP } : {}), ...(isolated ? ISOLATION : {}) };
      let body = null;
      for (const [suffix, encoding] of compress ? encodingsFor(req, file) : []) {
        body = await readFile(file + suffix).catch(() => null);
        if (body) {
          headers["content-encoding"] = encoding;
          break;
        }
      }
      body ??= await readFile(file);
      served[headers["content-encoding"] ?? "identity"] += 1;
      res.writeHead(200, { ...headers, "content-length": body.length });
      res.end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close(), served };
}

/** The device line's note once the WebGPU worker has compiled `model`'s kernels (`resnet29v2` is
 * named as people read it, «ResNet29 v2»), at `batch` images: src/web/worker/warm.rs. */
export function kernelsCompiledNote(model, batch) {
  const label = model.replace(/^resnet(\d+)v(\d+)$/, "ResNet$1 v$2").replace(/^plain(\d+)$/, "Plain-$1");
  return `kernels de ${label}, lote ${batch}, compilados en`;
}

/** Waits until the page reports training step `n` or a later one (the worker reports steps 1, 11,
 * 21, …: «época 1 · paso 11 de 156»); `polling` as Playwright's (ms, or animation frames). */
export function stepReached(page, n, { timeout, polling = "raf" }) {
  return page.waitForFunction((n) => {
    const step = /paso (\d+) de/.exec(document.querySelector("#m-epoch").textContent);
    return step && Number(step[1]) >= n;
  }, n, { timeout, polling });
}

/** Headless Chromium, with WebGPU enabled unless `webgpu` is false, and any further `args`. */
export function launch({ webgpu = true, args = [] } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [...(webgpu ? ["--enable-unsafe-webgpu"] : []), "--no-sandbox", "--disable-dev-shm-usage",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--no-first-run", ...args],
  });
}

/**
 * A page of `dir` (served as above) in headless Chromium with WebGPU, for running our shaders
 * without the app: the flags in CHROME_ARGS added (e.g. Dawn's toggles), the page's console errors
 * printed. Resolves to { page, close }. Used by conv-kernels.mjs, norm-kernels.mjs and
 * pipeline-compile.mjs.
 */
export async function shaderPage(dir) {
  const server = await serve(dir);
  const browser = await launch({ args: (process.env.CHROME_ARGS ?? "").split(" ").filter(Boolean) });
  const page = await browser.newPage();
  // Any file of the server: WebGPU needs a secure context (localhost is one).
  await page.goto(`${server.url}/style.css`);
  page.on("console", (m) => m.type() === "error" && console.error(m.text()));
  return { page, close: async () => { await browser.close(); server.close(); } };
}

/** Throttles `page`'s network (and its workers' fetches, which Chromium sends through the same
 * emulation) to `mbit` Mbit/s each way, 20 ms latency: the DevTools protocol's
 * Network.emulateNetworkConditions. */
export async function throttle(page, mbit) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 20,
    downloadThroughput: (mbit * 1e6) / 8, uploadThroughput: (mbit * 1e6) / 8 });
}

/** A Chrome trace's events (the file `browser.stopTracing()` wrote). */
export function traceEvents(path) {
  const trace = JSON.parse(readFileSync(path, "utf8"));
  return trace.traceEvents ?? trace;
}

/** The compute pipelines the GPU process created in a trace's `events` (category gpu.dawn): how
 * long each took, in ms, in the order they were made. */
export function pipelineTimes(events) {
  return events.filter((e) => e.ph === "X" && e.name === "DeviceBase::APICreateComputePipeline").map((e) => e.dur / 1000);
}

/** Opens the page and waits until the data is parsed and the device is up. */
export async function openReady(browser, url, backend = "auto") {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1000 }, locale: "es-ES" });
  await page.goto(url);
  await page.waitForFunction(() => !document.querySelector("#start").disabled, null, { timeout: 120_000 });
  if (backend !== "auto") {
    await page.selectOption("#backend", backend);
    await page.waitForFunction(() => !document.querySelector("#start").disabled, null, { timeout: 120_000 });
  }
  return page;
}

// --- Failure reports, shared by the end-to-end tests (e2e*.mjs) ---
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * One test file's record of what went wrong, printed as it happens and judged at the end:
 * - `watch(page, { expected })` collects from `page` and its workers every console error,
 *   uncaught exception, failed request and HTTP status >= 400 (E2E_VERBOSE=1 also prints the
 *   whole console). An error matching one of `expected` (regexes: what the scenario provokes on
 *   purpose) is excused; it returns `{ expect(...patterns) }` to excuse more from then on (e.g.
 *   after the test destroys the device).
 * - `check(ok, message)` and `fail(message)` record a failure and let the test go on.
 * - `dump(pages, ids, screenshot)`, after an exception: prints those elements' text on a page or
 *   on every page of a browser, and saves a screenshot of the first.
 * - `finish()`: fails on any unexcused error, prints "<name>: all checks passed" or the number of
 *   failures, and exits with 0 or 1.
 */
export function report(name) {
  const errors = [];
  let failures = 0;
  const verbose = Boolean(process.env.E2E_VERBOSE);
  const fail = (message) => { console.error(`FAIL: ${message}`); failures += 1; };
  const check = (ok, message) => { if (!ok) fail(message); return ok; };

  function watch(page, { expected = [] } = {}) {
    const excused = [...expected];
    const record = (error) => {
      const why = excused.find((pattern) => pattern.test(error));
      if (why) {
        if (verbose) console.log(`[excused by ${why}] ${error}`);
      } else {
        errors.push(error);
      }
    };
    // The page's console carries its workers' too (ConsoleMessage.worker()).
    page.on("console", (m) => {
      const from = m.worker() ? "worker: " : "";
      if (verbose) console.log(`[${from}console.${m.type()}] ${m.text()}`);
      if (m.type() === "error") record(`${from}${m.text()}`);
    });
    page.on("pageerror", (e) => record(`pageerror: ${e.message}`));
    page.on("requestfailed", (r) => record(`request failed: ${r.url()} (${r.failure()?.errorText}) on ${page.url()}`));
    page.on("response", (r) => { if (r.status() >= 400) record(`HTTP ${r.status()}: ${r.url()}`); });
    return { expect: (...patterns) => { excused.push(...patterns); } };
  }

  async function dump(pages, ids, screenshot) {
    const all = typeof pages.contexts === "function" ? pages.contexts().flatMap((c) => c.pages()) : [pages];
    for (const page of all) {
      if (all.length > 1) console.error(`  ${page.url()}`);
      for (const id of ids) {
        console.error(`  #${id}: ${(await page.textContent(`#${id}`).catch(() => "?"))?.slice(0, 200)}`);
      }
    }
    if (screenshot && all.length) {
      await mkdir(dirname(screenshot), { recursive: true });
      await all[0].screenshot({ path: screenshot }).catch(() => {});
    }
  }

  function finish() {
    if (errors.length) fail(`console errors:\n  ${errors.join("\n  ")}`);
    if (failures) {
      console.error(`${name}: ${failures} check(s) failed`);
      process.exit(1);
    }
    console.log(`${name}: all checks passed`);
    process.exit(0);
  }

  return { watch, check, fail, dump, finish };
}

/** What a reload or navigation does to the requests still in flight (for `expected`). */
export const ABORTED_REQUEST = /^request failed: \S+ \(net::ERR_ABORTED\)/;

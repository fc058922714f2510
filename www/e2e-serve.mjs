// End-to-end test of the build and of `./dev.sh serve` (issue 12), after `trunk build`:
//   1. the built page (dist/): the lesson is in index.html itself (HTML with MathML, tables,
//      figures), inside <article id="tutorial">, and reads in a browser with JavaScript off; no
//      inline script (the policy allows none); the wasm has no name section (unless KEEP_NAMES=1)
//      and has .gz/.br copies (unless PRECOMPRESS=0), the threaded module (threads/) likewise.
//   2. the README's serve command, the README's way: `CIFAR10_ARCHIVE=… ./dev.sh serve --port P`
//      as a child process (plus `--dist`, so that the served build, which carries trunk's
//      autoreload script, does not replace dist/ for the tests after this one). Once the first
//      build is served, the page is opened in headless Chromium and watched for 90 s
//      (E2E_SERVE_WATCH_S): exactly one build (trunk's "starting build" / "success" / "applying
//      new distribution" lines) and exactly one load of the page (no autoreload), the autoreload
//      websocket connected (the policy lets trunk's script run), the policy header as Trunk.toml
//      sets it, and no console error (a policy violation is one). Then the process group is
//      stopped.
//
//   node www/e2e-serve.mjs [dist]
//
// E2E_SERVE_ARGS adds flags to the serve command, e.g. `--config Trunk.old.toml` to check that
// this test fails on the configuration from before the fix (it counted a build every ~6 s).
import { spawn } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { CSP, ISOLATION, launch, serve } from "./harness.mjs";
import { sections } from "../scripts/optimize-dist.mjs";

const dist = resolve(process.argv[2] ?? "dist");
const watchSeconds = Number(process.env.E2E_SERVE_WATCH_S ?? 90);
const root = resolve(new URL("..", import.meta.url).pathname);
let failures = 0;
let passed = 0;
const fail = (message) => { console.error(`FAIL: ${message}`); failures += 1; };
const check = (ok, message) => { if (ok) passed += 1; else fail(message); return ok; };

// --- 1. The built page -------------------------------------------------------------------------
const html = await readFile(join(dist, "index.html"), "utf8");
const article = html.match(/<article id="tutorial"[^>]*>([\s\S]*?)<\/article>/)?.[1] ?? "";
const maths = article.match(/<math/g)?.length ?? 0;
console.log(`dist/index.html: lesson ${article.length} characters, ${maths} <math>, `
  + `${article.match(/<table>/g)?.length ?? 0} tables, ${article.match(/<figure>/g)?.length ?? 0} figures`);
check(maths > 10 && /display="block"/.test(article), `the lesson's math is not in dist/index.html (${maths} <math>)`);
check(/<table>/.test(article) && /<figure>/.test(article) && /id="model-summary"/.test(article),
  "the lesson's tables, figures or live parts are missing from dist/index.html");
check(!html.includes("<!--lesson-->"), "the lesson marker is still in dist/index.html");
const inline = [...html.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>/g)].map((m) => m[0]);
check(inline.length === 0, `inline scripts in dist/index.html, which the policy blocks: ${inline.join(" ")}`);
// Both modules: the page's, and the threaded CPU module (scripts/build-threads.sh).
for (const file of ["resnet-webgpu_bg.wasm", "threads/resnet-webgpu-threads_bg.wasm"]) {
  const wasmPath = join(dist, file);
  if (!check(existsSync(wasmPath), `no ${file} in dist/`)) continue;
  const wasm = await readFile(wasmPath);
  const custom = sections(wasm).filter((s) => s.id === 0).map((s) => s.name);
  console.log(`${file}: ${(wasm.length / 1e6).toFixed(2)} MB, custom sections: ${custom.join(", ") || "none"}`);
  if (process.env.KEEP_NAMES !== "1") check(!custom.includes("name"), `${file} still has its name section`);
  if (process.env.PRECOMPRESS !== "0") {
    check(existsSync(`${wasmPath}.br`) && existsSync(`${wasmPath}.gz`), `no precompressed .br/.gz copies of ${file}`);
  }
}
if (process.env.PRECOMPRESS !== "0") {
  check(existsSync(join(dist, "index.html.br")), "no precompressed .br/.gz copies in dist/");
}

// The lesson reads without JavaScript; the lab says it needs it.
{
  const server = await serve(dist);
  const browser = await launch({ webgpu: false });
  try {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(server.url);
    const shown = await page.locator("#tutorial math").count();
    const note = await page.locator("#lab noscript").textContent().catch(() => "");
    console.log(`without JavaScript: ${shown} <math> in the lesson; the lab says «${note.trim()}»`);
    check(shown > 10, "the lesson does not show without JavaScript");
    check(/JavaScript/.test(note) && /lección/.test(note), "no <noscript> note in the lab");
  } finally {
    await browser.close();
    server.close();
  }
}

// --- 2. ./dev.sh serve --------------------------------------------------------------------------
const archive = process.env.CIFAR10_ARCHIVE
  ?? (existsSync(join(root, "data/cifar-10-binary.tar.gz")) ? join(root, "data/cifar-10-binary.tar.gz") : null);
if (!archive) {
  fail("set CIFAR10_ARCHIVE to the CIFAR-10 binary archive (./dev.sh test does)");
  finish();
}
const port = await new Promise((ok, ko) => {
  const probe = createServer().once("error", ko).listen(0, "127.0.0.1", () => {
    const { port } = probe.address();
    probe.close(() => ok(port));
  });
});
const serveDist = join(root, "target/e2e/serve-dist");
await rm(serveDist, { recursive: true, force: true });
await mkdir(join(root, "target/e2e"), { recursive: true });
const logPath = join(root, "target/e2e/serve.log");
const logFile = createWriteStream(logPath);
const extra = (process.env.E2E_SERVE_ARGS ?? "").split(" ").filter(Boolean);
console.log(`CIFAR10_ARCHIVE=${archive} ./dev.sh serve ${extra.join(" ")}${extra.length ? " " : ""}--port ${port} --dist ${serveDist}  (log: ${logPath})`);
const child = spawn("./dev.sh", ["serve", ...extra, "--port", String(port), "--dist", serveDist], {
  cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"],
  env: { ...process.env, CIFAR10_ARCHIVE: archive, NO_COLOR: "true" }, // trunk reads NO_COLOR as a boolean
});
const counts = { started: 0, success: 0, applied: 0, errors: 0 };
let exited = null;
child.on("exit", (code, signal) => { exited = { code, signal }; });
let buffered = "";
const onData = (chunk) => {
  logFile.write(chunk);
  buffered += chunk.toString();
  let newline;
  while ((newline = buffered.indexOf("\n")) >= 0) {
    // eslint-disable-next-line no-control-regex
    const line = buffered.slice(0, newline).replace(/\x1b\[[0-9;]*m/g, "");
    buffered = buffered.slice(newline + 1);
    if (/starting build/.test(line)) counts.started += 1;
    if (/\bsuccess\b/.test(line)) counts.success += 1;
    if (/applying new distribution/.test(line)) counts.applied += 1;
    if (/\bERROR\b|❌/.test(line)) { counts.errors += 1; console.error(`trunk: ${line}`); }
    if (process.env.E2E_VERBOSE) console.log(`trunk: ${line}`);
  }
};
child.stdout.on("data", onData);
child.stderr.on("data", onData);
const stopServe = async () => {
  if (exited) return;
  try { process.kill(-child.pid, "SIGINT"); } catch { return; }
  for (let i = 0; i < 100 && !exited; i += 1) await new Promise((ok) => setTimeout(ok, 100));
  if (!exited) {
    console.error("serve did not stop on SIGINT within 10 s: SIGKILL to its process group");
    try { process.kill(-child.pid, "SIGKILL"); } catch { /* gone */ }
  }
};
process.on("exit", () => { if (!exited) try { process.kill(-child.pid, "SIGKILL"); } catch { /* gone */ } });

const url = `http://127.0.0.1:${port}/`;
let browser = null;
try {
  // The first build (the wasm is cached by `trunk build`; wasm-bindgen and the hooks still run).
  const deadline = Date.now() + 20 * 60_000;
  let response = null;
  while (Date.now() < deadline && !exited) {
    if (counts.applied > 0) {
      response = await fetch(url).catch(() => null);
      if (response?.ok) break;
    }
    await new Promise((ok) => setTimeout(ok, 500));
  }
  if (!response?.ok) throw new Error(`no page at ${url} (serve ${exited ? `exited ${JSON.stringify(exited)}` : "still building"})`);
  const t0 = Date.now();
  const served = await response.text();
  console.log(`first build served after ${counts.started} build(s)`);
  // The policy trunk serve sends is the page's, plus 'unsafe-inline' for its autoreload script.
  const policy = response.headers.get("content-security-policy");
  check(policy === CSP.replace("script-src 'self' 'wasm-unsafe-eval'", "script-src 'self' 'wasm-unsafe-eval' 'unsafe-inline'"),
    `trunk serve's Content-Security-Policy differs from www/harness.mjs's CSP (+ 'unsafe-inline' for the autoreload):\n  ${policy}\n  ${CSP}`);
  // And the cross-origin isolation the threaded CPU module needs, as www/harness.mjs sends it.
  for (const [name, value] of Object.entries(ISOLATION)) {
    check(response.headers.get(name) === value, `trunk serve's ${name} is ${response.headers.get(name)}, not ${value}`);
  }
  check((served.match(/<math/g)?.length ?? 0) > 10, "the served page has no lesson");

  browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1500, height: 1000 }, locale: "es-ES" });
  const seen = { loads: 0, navigations: 0, websockets: 0 };
  const errors = [];
  page.on("load", () => { seen.loads += 1; });
  page.on("framenavigated", (frame) => { if (frame === page.mainFrame()) seen.navigations += 1; });
  page.on("websocket", (ws) => { if (/\.well-known\/trunk\/ws/.test(ws.url())) seen.websockets += 1; });
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("worker", (w) => w.on("console", (m) => { if (m.type() === "error") errors.push(`worker: ${m.text()}`); }));
  await page.goto(url);
  await page.waitForTimeout(watchSeconds * 1000);
  check(await page.evaluate(() => self.crossOriginIsolated), "the page trunk serves is not cross-origin isolated");
  const status = await page.textContent("#status").catch(() => "?");
  console.log(`over ${watchSeconds} s with the page open: trunk started ${counts.started} build(s), `
    + `${counts.success} "success", ${counts.applied} "applying new distribution"; page: ${seen.loads} load(s), `
    + `${seen.navigations} main-frame navigation(s), ${seen.websockets} autoreload websocket(s); #status «${status}»`);
  console.log(`(${((Date.now() - t0) / 1000).toFixed(0)} s since the first build was served)`);
  check(counts.started === 1 && counts.success === 1 && counts.applied === 1,
    `expected exactly one build, trunk logged ${counts.started} started / ${counts.success} success / ${counts.applied} applied`);
  check(seen.loads === 1 && seen.navigations === 1, `the open page reloaded: ${seen.loads} loads, ${seen.navigations} navigations`);
  check(seen.websockets >= 1, "trunk's autoreload script never connected (blocked by the policy?)");
  check(counts.errors === 0, `trunk logged ${counts.errors} error(s) (see ${logPath})`);
  check(errors.length === 0, `console errors in the served page:\n  ${errors.join("\n  ")}`);
} catch (e) {
  fail(e.message);
} finally {
  await browser?.close();
  await stopServe();
  logFile.end();
}
check(exited !== null, "dev.sh serve still running after SIGKILL");
finish();

function finish() {
  console.log(`e2e-serve: ${passed} passed, ${failures} failed`);
  process.exit(failures ? 1 : 0);
}

// Shared by e2e.mjs and measure.mjs: serve a built page (dist/) on loopback and open it in
// Debian's headless Chromium with WebGPU (SwiftShader where there is no GPU).
import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve } from "node:path";

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm",
  ".css": "text/css", ".svg": "image/svg+xml", ".gz": "application/gzip" };

/** Serves `dist` on 127.0.0.1 (a free port); resolves to { url, close }. */
export async function serve(dist) {
  const root = resolve(dist);
  const server = createServer(async (req, res) => {
    const path = join(root, decodeURIComponent(new URL(req.url, "http://x").pathname));
    try {
      const file = (await stat(path)).isDirectory() ? join(path, "index.html") : path;
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "content-length": body.length });
      res.end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

/** Headless Chromium, with WebGPU enabled unless `webgpu` is false. */
export function launch({ webgpu = true } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [...(webgpu ? ["--enable-unsafe-webgpu"] : []), "--no-sandbox", "--disable-dev-shm-usage",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--no-first-run"],
  });
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

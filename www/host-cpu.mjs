// The CPU a WebGPU training step costs the page's host side, per thread: the worker that runs the
// wasm (burn, autodiff, fusion, cubecl, wgpu's WebGPU calls, Dawn's wire client), the page's own
// thread, and the GPU process (Dawn's wire server, validation, the Vulkan driver's recording).
// Read from Linux's per-thread CPU counters (/proc/PID/task/TID/stat) of every Chromium process,
// between two of the page's metric reads (steps FROM and TO: the worker reads the metrics back
// every 10 steps, so both ends are points where the device has caught up), divided by the steps.
//
//   node www/host-cpu.mjs [dist] [batch] [model] [from] [to]     (defaults: dist 32 resnet20v1 11 31)
//
// On a software adapter (SwiftShader here) the device's own work runs on the CPU too, in the GPU
// process's SwiftShader threads (marl's workers, `Thread<NN>`); they are marked [device] and are
// not host time. What is left — the worker, the page, Dawn — is what a real GPU's visitor would
// pay on this CPU for every step, the floor below which no GPU makes the page's step faster. One Chromium at a time: it refuses to
// start when another is running, since it reads every Chromium process on the machine.
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { launch, openReady, serve, stepReached } from "./harness.mjs";

const dist = process.argv[2] ?? "dist";
const batch = process.argv[3] ?? "32";
const model = process.argv[4] ?? "resnet20v1";
const from = Number(process.argv[5] ?? "11");
const to = Number(process.argv[6] ?? "31");
if (!(from >= 1 && to > from && (to - from) % 10 === 0)) {
  console.error("host-cpu: FROM and TO must be steps the page reports (1, 11, 21, …), TO after FROM");
  process.exit(2);
}
const TICK_MS = 10; // USER_HZ is 100 on Linux

/** Every Chromium process: pid → its type (`browser`, `renderer`, `gpu-process`, …). */
function chromiumProcesses() {
  const found = new Map();
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      if (!/chrom/.test(readlinkSync(`/proc/${pid}/exe`))) continue;
      // Chromium rewrites its command line (children show theirs as one string): match anywhere.
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const type = /--type=([\w-]+)/.exec(args)?.[1] ?? "browser";
      found.set(pid, type);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** CPU ms so far of every thread of every Chromium process: "type / thread name" → ms. */
function cpu() {
  const sums = new Map();
  for (const [pid, type] of chromiumProcesses()) {
    let tids;
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
        // The name is in parentheses and may hold spaces; the fields after it are space-separated.
        const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
        const key = `${type} / ${type === "gpu-process" && /^Thread<\d+>$/.test(name) ? "[device] " : ""}${name}`;
        sums.set(key, (sums.get(key) ?? 0) + ms);
      } catch {
        // the thread ended
      }
    }
  }
  return sums;
}

if (chromiumProcesses().size > 0) {
  console.error("host-cpu: another Chromium is running; its threads would be counted too");
  process.exit(2);
}
const server = await serve(dist);
const browser = await launch();
let before, after, wall, adapter, speed;
try {
  const page = await openReady(browser, server.url, "webgpu");
  adapter = (await page.textContent("#m-adapter")).replace(/ · (compilando|kernels de).*/, "");
  await page.selectOption("#model", model);
  await page.fill("#batch-size", batch);
  await page.fill("#epochs", "1");
  await page.click("#start");
  // Every 250 ms: polling the page every frame costs its thread CPU that would be counted.
  await stepReached(page, from, { timeout: 3_600_000, polling: 250 });
  before = cpu();
  const t0 = Date.now();
  await stepReached(page, to, { timeout: 3_600_000, polling: 250 });
  after = cpu();
  wall = (Date.now() - t0) / (to - from);
  speed = await page.textContent("#m-speed");
  await page.click("#stop");
} finally {
  await browser.close();
  server.close();
}

const steps = to - from;
const rows = [...after].map(([key, ms]) => [key, (ms - (before.get(key) ?? 0)) / steps])
  .filter(([, ms]) => ms > 0).sort((a, b) => b[1] - a[1]);
const device = rows.filter(([key]) => key.includes("[device]")).reduce((s, [, ms]) => s + ms, 0);
const host = rows.filter(([key]) => !key.includes("[device]")).reduce((s, [, ms]) => s + ms, 0);
console.log(`${model}, batch ${batch}, steps ${from + 1}–${to}; adapter: ${adapter}; the page shows ${speed}`);
console.log(`wall ${wall.toFixed(0)} ms per step; CPU per step: host threads ${host.toFixed(1)} ms, the software device's threads ${device.toFixed(1)} ms\n`);
console.log("| process / thread | CPU ms per step |\n|---|---:|");
for (const [key, ms] of rows.filter(([, ms]) => ms >= 0.5)) console.log(`| ${key} | ${ms.toFixed(1)} |`);

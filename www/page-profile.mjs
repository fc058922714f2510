// Where the page's training steps spend the CPU: Chromium's own sampling profiler (the one
// DevTools uses), run in every worker that trains (the training worker and, with the threaded
// module, wasm-bindgen-rayon's pool) over steps FROM+1 … FROM+steps (FROM=1 by default) of the
// page training on its CPU backend (BACKEND=webgpu: on WebGPU, the worker's host side). Prints
// the samples as `perf script` would (one block per sample, the innermost frame first) for
// scripts/perf_ops.py, which sorts them by kind of work as it does natively (`--stages`: by stage
// of the host side, for WebGPU):
//
//   node --experimental-websocket www/page-profile.mjs [dist] [model] [batch] [steps] | python3 scripts/perf_ops.py
//
// On WebGPU the profiler's default interval (INTERVAL_US=500) stalled the run here for over ten
// minutes; INTERVAL_US=5000 did not.
//
// The page must be built with the wasm's function names (KEEP_NAMES=1 trunk build; without them
// every frame is `$func123`). ISOLATED=0 serves the page without cross-origin isolation: the
// CPU backend on one thread, in the page's own module. The pool's threads wait for work between
// jobs: those samples (Chromium's `(idle)`, and frames in the futex wait) are counted on stderr,
// not printed.
import { launch, openReady, serve, stepReached } from "./harness.mjs";

const dist = process.argv[2] ?? "dist";
const model = process.argv[3] ?? "resnet20v1";
const batch = process.argv[4] ?? "128";
const steps = Number(process.argv[5] ?? "10");
// FROM=11 starts after the steps that still compile kernels (on WebGPU some first appear in steps
// 2–11): the profile covers steps FROM+1 … FROM+steps (the page reports steps 1, 11, 21, …).
const from = Number(process.env.FROM ?? "1");
const port = 9300 + Math.floor(Math.random() * 500);
// BACKEND=webgpu profiles the worker training on WebGPU instead (its host side: burn, fusion,
// cubecl, wgpu's WebGPU calls; the device's work runs in the GPU process, not sampled here).
const backend = process.env.BACKEND ?? "cpu";
const interval = Number(process.env.INTERVAL_US ?? 500);

/** A DevTools-protocol client on one WebSocket, with flat sessions (targets attached to it). */
class Cdp {
  constructor(url) {
    this.socket = new WebSocket(url);
    this.next = 1;
    this.pending = new Map();
    this.listeners = [];
    this.socket.onmessage = ({ data }) => {
      const message = JSON.parse(data);
      if (message.id && this.pending.has(message.id)) {
        const { ok, fail, method } = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) fail(new Error(`${method}: ${message.error.message}`));
        else ok(message.result);
      } else if (message.method) {
        for (const listener of this.listeners) listener(message);
      }
    };
  }
  open() {
    return new Promise((ok, fail) => {
      this.socket.onopen = ok;
      this.socket.onerror = () => fail(new Error("cannot reach Chromium's DevTools endpoint"));
    });
  }
  send(method, params = {}, sessionId = undefined) {
    const id = this.next++;
    this.socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return new Promise((ok, fail) => this.pending.set(id, { ok, fail, method }));
  }
  close() {
    this.socket.close();
  }
}

if (typeof WebSocket === "undefined") {
  console.error("page-profile: run with node --experimental-websocket (Node 20) or Node ≥ 22");
  process.exit(2);
}
const server = await serve(dist, { isolated: process.env.ISOLATED !== "0" });
const browser = await launch({ webgpu: backend === "webgpu", args: [`--remote-debugging-port=${port}`] });
const version = await (await fetch(`http://127.0.0.1:${port}/json/version`)).json();
const cdp = new Cdp(version.webSocketDebuggerUrl);
await cdp.open();

// Every worker, however deep (the pool's workers are started by the training worker), attached
// as it starts, its profiler enabled; pages are attached only to reach their workers.
const workers = new Map(); // sessionId → url
const attach = { autoAttach: true, waitForDebuggerOnStart: false, flatten: true };
cdp.listeners.push(async ({ method, params }) => {
  // A worker that ended (the page starts short-lived ones too) is no longer profiled.
  if (method === "Target.detachedFromTarget") workers.delete(params.sessionId);
  if (method !== "Target.attachedToTarget") return;
  const { sessionId, targetInfo } = params;
  try {
    if (targetInfo.type === "worker") {
      workers.set(sessionId, targetInfo.url);
      await cdp.send("Profiler.enable", {}, sessionId);
      await cdp.send("Profiler.setSamplingInterval", { interval }, sessionId);
    }
    if (targetInfo.type === "worker" || targetInfo.type === "page") {
      await cdp.send("Target.setAutoAttach", attach, sessionId);
    }
  } catch (error) {
    console.error(`page-profile: ${targetInfo.type} ${targetInfo.url}: ${error.message}`);
  }
});
await cdp.send("Target.setAutoAttach", attach);

let report;
try {
  const page = await openReady(browser, server.url, backend);
  await page.selectOption("#model", model);
  await page.fill("#batch-size", batch);
  await page.fill("#epochs", "1");
  await page.click("#start");
  await stepReached(page, from, { timeout: 1_800_000 });
  await Promise.all([...workers.keys()].map((s) => cdp.send("Profiler.start", {}, s)));
  await stepReached(page, from + steps, { timeout: 3_600_000 });
  const profiles = await Promise.all([...workers.keys()].map((s) => cdp.send("Profiler.stop", {}, s)));
  report = { adapter: await page.textContent("#m-adapter"), speed: await page.textContent("#m-speed"), profiles };
  await page.click("#stop");
} finally {
  cdp.close();
  await browser.close();
  server.close();
}

// Samples as `perf script` prints them: a header line, then one frame per line, innermost first.
// A sample is waiting when its innermost frame is: Chromium's `(idle)` and `(program)` (the
// worker's event loop), or a thread parked on a futex (a pool thread with no job, the training
// worker blocked while the pool runs its job). Frames in a rayon wait further out are work: rayon
// runs stolen jobs inside its waits.
const waiting = /^\((idle|program)\)$|Condvar>::wait|futex|memory_atomic_wait|Parker|park/;
// Rust's v0 names carry each crate's hash (`burn_flex[22303e047920fa57]::ops`): dropped, so that the
// frames read as perf's do natively.
const plain = (name) => name.replace(/\[[0-9a-f]{16}\]/g, "");
let kept = 0;
let idle = 0;
const out = [];
for (const { profile } of report.profiles) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stacks = new Map();
  const stackOf = (id) => {
    if (!stacks.has(id)) {
      const frames = [];
      for (let at = id; at !== undefined; at = parent.get(at)) {
        const name = plain(nodes.get(at).callFrame.functionName || "(anonymous)");
        if (name !== "(root)") frames.push(name);
      }
      stacks.set(id, frames);
    }
    return stacks.get(id);
  };
  for (const id of profile.samples) {
    const frames = stackOf(id);
    if (frames.length === 0 || waiting.test(frames[0])) {
      idle++;
      continue;
    }
    kept++;
    out.push(`page ${kept}: cpu-clock:`);
    for (const frame of frames) out.push(`\t0 ${frame}`);
    out.push("");
  }
}
console.log(out.join("\n"));
console.error(`page-profile: ${model}, batch ${batch}, steps ${from + 1}–${from + steps}, ${report.adapter}, ${report.speed}; ` +
  `${report.profiles.length} workers profiled, ${kept} samples at work, ${idle} waiting or idle (left out)`);

// How long each entry point of our batch-norm shader (shaders/batch_norm.wgsl) takes in
// Chromium's WebGPU, on the shapes of ResNet20 v1's layers, measured by timestamp queries: one
// dispatch per compute pass, as the page's kernel profile measures them (www/kernel-profile.mjs),
// without the rest of a training step around them. Prints one table per shader file, in
// milliseconds per dispatch (the median of ROUNDS rounds), and the batch norm's device time per
// training step that those make (each layer's forward and backward entry points as training runs
// them: `statistics_running`, and at a block's end `partial_gradients_residual`; `normalise` once
// more where the backward pass recomputes the output). A validation error fails the run (it
// would otherwise time empty passes).
//
//   node www/norm-kernels.mjs [batch, default 32] [shader files, default shaders/batch_norm.wgsl]
//
// CHROME_ARGS adds Chromium flags (e.g. --enable-dawn-features=disable_robustness); SUM_WG and
// TARGET try other sizes of the partial sums' workgroups and other numbers of them (the shader's
// SUM_WG and src/batch_norm/gpu.rs's TARGET_WORKGROUPS); an older shader file is timed with the
// layout of its time by SUM_WG=256 TARGET=128.
import { readFileSync } from "node:fs";
import { shaderPage } from "./harness.mjs";

const batch = Number(process.argv[2] ?? 32);
const files = process.argv.length > 3 ? process.argv.slice(3) : ["shaders/batch_norm.wgsl"];
const ROUNDS = Number(process.env.ROUNDS ?? 5);
// ResNet20 v1's batch norms: [c, h, w], how many layers have that shape, how many of them end a
// block (with the shortcut's sum and ReLU), and whose output the backward pass recomputes (the
// stem's and each block's first: checkpointing).
const LAYERS = [[16, 32, 32, 7, 3, 4], [32, 16, 16, 6, 3, 3], [64, 8, 8, 6, 3, 3]];
// src/batch_norm/gpu.rs: WORKGROUP, SUM_WORKGROUP, RUN, TARGET_WORKGROUPS, MIN_VALUES_PER_INVOCATION.
const WG = 256, SUM_WG = Number(process.env.SUM_WG ?? 64), RUN = 8, TARGET = Number(process.env.TARGET ?? 512);
const MIN_VALUES = Number(process.env.MIN_VALUES ?? 64);

// src/batch_norm/gpu.rs's Layout::new.
function layout(b, c, plane) {
  const wanted = Math.ceil(TARGET / c);
  const most = Math.max(Math.floor(b * plane / (SUM_WG * MIN_VALUES)), 1);
  const per = Math.max(Math.ceil(b / Math.min(Math.max(Math.min(wanted, most), 1), b)), 1);
  return { per, slices: Math.max(Math.ceil(b / per), 1) };
}

const { page, close } = await shaderPage("www");
try {
  for (const file of files) {
    // SUM_WG=… tries another size of the partial sums' workgroups.
    const source = readFileSync(file, "utf8").replace(/const SUM_WG: u32 = \d+u;/, `const SUM_WG: u32 = ${SUM_WG}u;`);
    const shapes = LAYERS.map(([c, h, w, count, ends, recomputed]) => ({ c, plane: h * w, count, ends, recomputed, ...layout(batch, c, h * w) }));
    const result = await page.evaluate(async ({ source, batch, shapes, rounds, WG, SUM_WG, RUN }) => {
      const adapter = await navigator.gpu.requestAdapter();
      const device = await adapter.requestDevice({ requiredFeatures: ["timestamp-query"] });
      const module = device.createShaderModule({ code: source });
      const info = await module.getCompilationInfo();
      const errors = info.messages.filter((m) => m.type === "error").map((m) => `${m.lineNum}: ${m.message}`);
      if (errors.length) return { errors };
      const entries = ["partial_statistics", "statistics", "statistics_running", "normalise", "partial_gradients", "partial_gradients_residual", "gradients", "input_gradient"];
      device.pushErrorScope("validation");
      const pipelines = {};
      for (const entryPoint of entries) {
        pipelines[entryPoint] = await device.createComputePipelineAsync({ layout: "auto", compute: { module, entryPoint } });
      }
      const storage = (values) => {
        const buffer = device.createBuffer({ size: Math.max(values.byteLength, 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
        device.queue.writeBuffer(buffer, 0, values);
        return buffer;
      };
      const rows = [];
      for (const { c, plane, per, slices } of shapes) {
        const n = batch * c * plane;
        // Inputs around zero, so that the ReLU cuts about half of the outputs.
        const x = new Float32Array(n).map((_, i) => Math.sin(i * 0.37) + 0.1);
        const buffers = {
          x: storage(x), dy: storage(x.map((v, i) => Math.cos(i * 0.11))), y: storage(x.map((v, i) => Math.sin(i * 0.23))),
          gamma: storage(new Float32Array(c).fill(1.2)), beta: storage(new Float32Array(c).fill(0.1)),
          stats: storage(new Float32Array(2 * c).map((_, i) => (i < c ? 0.1 : 0.5))),
          partial: storage(new Float32Array(slices * c * SUM_WG * 2).fill(1)), sums: storage(new Float32Array(2 * c).fill(1)),
          out: device.createBuffer({ size: Math.max(n, slices * c * SUM_WG * 2) * 4, usage: GPUBufferUsage.STORAGE }),
          runningMean: storage(new Float32Array(c).fill(0.1)), runningVar: storage(new Float32Array(c).fill(0.5)),
          newMean: device.createBuffer({ size: 4 * c, usage: GPUBufferUsage.STORAGE }), newVar: device.createBuffer({ size: 4 * c, usage: GPUBufferUsage.STORAGE }),
          cut: device.createBuffer({ size: 4 * n, usage: GPUBufferUsage.STORAGE }),
        };
        // shaders/batch_norm.wgsl's Params (src/batch_norm/gpu.rs's params): the sizes, ReLU, ε,
        // momentum, 1 − momentum, no shortcut; a uniform of 48 bytes (its size rounded to 16).
        const f32bits = (v) => new Uint32Array(new Float32Array([v]).buffer)[0];
        const params = new Uint32Array(12);
        params.set([batch, c, plane, per, slices, 1, f32bits(1e-3), f32bits(0.01), f32bits(0.99), 0]);
        buffers.sizes = device.createBuffer({ size: params.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
        device.queue.writeBuffer(buffers.sizes, 0, params);
        const blocks = Math.ceil(n / (WG * RUN));
        const grid = {
          partial_statistics: [c, slices], statistics: [Math.ceil(c / WG), 1], normalise: [Math.min(blocks, 32768), Math.ceil(blocks / 32768)],
          partial_gradients: [c, slices], gradients: [Math.ceil(c / WG), 1], input_gradient: [Math.min(blocks, 32768), Math.ceil(blocks / 32768)],
          statistics_running: [Math.ceil(c / WG), 1], partial_gradients_residual: [c, slices],
        };
        const sumsFor = { statistics: buffers.partial, gradients: buffers.partial, input_gradient: buffers.sums };
        const groups = {};
        // Bindings 1–4 of the two entry points that declare their own there.
        const own = {
          statistics_running: [buffers.runningMean, buffers.runningVar, buffers.newMean, buffers.newVar],
          partial_gradients_residual: [buffers.dy, buffers.y, buffers.cut, buffers.stats],
        };
        for (const e of entries) {
          const middle = own[e] ?? [buffers.dy, buffers.gamma, buffers.beta, buffers.stats];
          const bound = [buffers.x, ...middle, sumsFor[e] ?? buffers.partial, buffers.out, buffers.sizes];
          groups[e] = device.createBindGroup({
            layout: pipelines[e].getBindGroupLayout(0),
            entries: bound.map((buffer, binding) => ({ binding, resource: { buffer } })),
          });
        }
        const times = Object.fromEntries(entries.map((e) => [e, []]));
        const query = device.createQuerySet({ type: "timestamp", count: 2 * entries.length });
        const resolved = device.createBuffer({ size: 16 * entries.length, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
        const read = device.createBuffer({ size: 16 * entries.length, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
        // Round 0 warms up and is not counted.
        for (let round = 0; round <= rounds; round++) {
          const encoder = device.createCommandEncoder();
          entries.forEach((e, i) => {
            const pass = encoder.beginComputePass({ timestampWrites: { querySet: query, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
            pass.setPipeline(pipelines[e]);
            pass.setBindGroup(0, groups[e]);
            pass.dispatchWorkgroups(...grid[e]);
            pass.end();
          });
          encoder.resolveQuerySet(query, 0, 2 * entries.length, resolved, 0);
          encoder.copyBufferToBuffer(resolved, 0, read, 0, 16 * entries.length);
          device.queue.submit([encoder.finish()]);
          await read.mapAsync(GPUMapMode.READ);
          const stamps = new BigInt64Array(read.getMappedRange().slice(0));
          read.unmap();
          if (round > 0) entries.forEach((e, i) => times[e].push(Number(stamps[2 * i + 1] - stamps[2 * i]) / 1e6));
        }
        const median = (v) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)];
        rows.push({ c, plane, per, slices, ms: Object.fromEntries(entries.map((e) => [e, median(times[e])])) });
        Object.values(buffers).forEach((b) => b.destroy());
      }
      const error = await device.popErrorScope();
      device.destroy();
      if (error) return { errors: [`validation: ${error.message}`] };
      return { rows, entries };
    }, { source, batch, shapes, rounds: ROUNDS, WG, SUM_WG, RUN });
    if (result.errors) throw new Error(`${file} does not compile or run:\n${result.errors.join("\n")}`);
    console.log(`${file}, batch ${batch}${process.env.CHROME_ARGS ? ` (${process.env.CHROME_ARGS})` : ""}, ms per dispatch (median of ${ROUNDS})\n`);
    console.log(`| layer [c, h·w] | slices | ${result.entries.join(" | ")} | per step (× layers) |`);
    console.log(`|---|---:|${result.entries.map(() => "---:").join("|")}|---:|`);
    let step = 0;
    for (const [i, row] of result.rows.entries()) {
      // The layers of this shape as a training step runs them (see LAYERS).
      const { count, ends, recomputed } = shapes[i];
      const ms = row.ms;
      const layers = count * (ms.partial_statistics + ms.statistics_running + ms.normalise + ms.gradients + ms.input_gradient)
        + ends * ms.partial_gradients_residual + (count - ends) * ms.partial_gradients + recomputed * ms.normalise;
      step += layers;
      console.log(`| [${row.c}, ${row.plane}] | ${row.slices} | ${result.entries.map((e) => ms[e].toFixed(2)).join(" | ")} | ${layers.toFixed(1)} |`);
    }
    console.log(`\nbatch norm per training step: ${step.toFixed(1)} ms\n`);
  }
} finally {
  await close();
}

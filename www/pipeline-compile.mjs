// How long Chromium's WebGPU takes to make a compute pipeline of each of our WGSL convolution's
// shapes (shaders/conv.wgsl, TM × TN as src/conv/gpu.rs writes them), one at a time on an idle
// device: createShaderModule + createComputePipelineAsync, in milliseconds.
//
//   node www/pipeline-compile.mjs [dist] [shader files, default shaders/conv.wgsl]
//
// Then, for the first file's pipelines all together (each with its own explicit layout, as wgpu
// makes them), three totals on one device: half made one at a time, the other half all at once
// (createComputePipelineAsync: does the GPU process compile them in parallel?), then all again
// with the same descriptors by createComputePipeline, as wgpu makes them (does Dawn's cache of
// pipelines return the compiled ones?).
//
// CHROME_ARGS adds Chromium flags, e.g. --disable-dawn-features=use_vulkan_zero_initialize_workgroup_memory_extension
// (Dawn then zeroes workgroup memory with a loop in the shader instead of asking the driver).
import { readFileSync } from "node:fs";
import { shaderPage } from "./harness.mjs";

const dist = process.argv[2] ?? "dist";
const files = process.argv.length > 3 ? process.argv.slice(3) : ["shaders/conv.wgsl"];
// The tiles ResNet20 v1 and ResNet29 v2 use (src/conv/gpu.rs: tile_rows, tile_columns).
const TILES = [[16, 64], [16, 128], [16, 160], [32, 32], [32, 128], [32, 144], [64, 32], [64, 128], [64, 144]];

/** conv.wgsl's source for a TM × TN tile, with src/conv/gpu.rs's `groups` (rows of 16
 * invocations that stage the left-hand slice). */
function tiled(source, tm, tn) {
  let groups = 1;
  while (groups * 2 <= (tm / 8) * (tn / 8) / 16 && groups * 2 <= tm / 4) groups *= 2;
  return source.replace("const TM: u32 = 64u;", `const TM: u32 = ${tm}u;`)
    .replace("const TN: u32 = 128u;", `const TN: u32 = ${tn}u;`)
    .replace("const GROUPS: u32 = 8u;", `const GROUPS: u32 = ${groups}u;`);
}

const { page, close } = await shaderPage(dist);
try {
  for (const file of files) {
    const source = readFileSync(file, "utf8");
    const rows = await page.evaluate(async ({ source, TILES, tiled }) => {
      tiled = new Function(`return ${tiled}`)();
      const adapter = await navigator.gpu.requestAdapter();
      const device = await adapter.requestDevice();
      const rows = [];
      // The tiles ResNet20 v1 and ResNet29 v2 use (src/conv/gpu.rs: tile_rows, tile_columns).
      for (const [tm, tn] of TILES) {
        const code = tiled(source, tm, tn);
        const times = [];
        for (const entryPoint of ["forward", "input_gradient", "kernel_gradient"]) {
          const t0 = performance.now();
          const module = device.createShaderModule({ code });
          await device.createComputePipelineAsync({ layout: "auto", compute: { module, entryPoint } });
          times.push(performance.now() - t0);
        }
        rows.push(`| ${tm} × ${tn} | ${(tm / 8) * (tn / 8)} | ${(16 * (tm + tn) * 4 / 1024).toFixed(0)} KiB | ${times.map((t) => t.toFixed(0)).join(" | ")} |`);
      }
      device.destroy();
      return rows;
    }, { source, TILES, tiled: tiled.toString() });
    console.log(`${file}${process.env.CHROME_ARGS ? ` (${process.env.CHROME_ARGS})` : ""}\n`);
    console.log("| tile | invocations | workgroup memory | forward (ms) | input gradient (ms) | kernel gradient (ms) |");
    console.log("|---|---:|---:|---:|---:|---:|");
    console.log(rows.join("\n") + "\n");
  }
  // All of the first file's pipelines together: one at a time, at once, and again.
  const totals = await page.evaluate(async ({ source, TILES, tiled }) => {
    tiled = new Function(`return ${tiled}`)();
    const pipelines = TILES.flatMap(([tm, tn]) => ["forward", "input_gradient", "kernel_gradient"]
      .map((entryPoint) => [tiled(source, tm, tn), entryPoint]));
    const device = await (await navigator.gpu.requestAdapter()).requestDevice();
    // conv.wgsl's bindings: lhs, rhs, result, bias (storage), geo (uniform).
    const entries = [0, 1, 2, 3].map((binding) => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: "storage" } }));
    entries.push({ binding: 4, visibility: GPUShaderStage.COMPUTE, buffer: { type: "uniform" } });
    const descriptor = ([code, entryPoint]) => ({
      layout: device.createPipelineLayout({ bindGroupLayouts: [device.createBindGroupLayout({ entries })] }),
      compute: { module: device.createShaderModule({ code }), entryPoint },
    });
    // Each half of the tiles on its own, so that no total meets the other's cached pipelines.
    const half = pipelines.length >> 1;
    const [first, second] = [pipelines.slice(0, half), pipelines.slice(half)];
    const time = async (work) => { const t0 = performance.now(); await work(); return performance.now() - t0; };
    // Kept alive: Dawn's cache holds a pipeline only while something references it.
    const kept = [];
    const one = await time(async () => { for (const p of first) kept.push(await device.createComputePipelineAsync(descriptor(p))); });
    const all = await time(async () => kept.push(...await Promise.all(second.map((p) => device.createComputePipelineAsync(descriptor(p))))));
    // As wgpu makes them (createComputePipeline); the queue's next "done" comes after them.
    const again = await time(() => {
      for (const p of pipelines) device.createComputePipeline(descriptor(p));
      return device.queue.onSubmittedWorkDone();
    });
    device.destroy();
    return { half, one, all, again, n: pipelines.length };
  }, { source: readFileSync(files[0], "utf8"), TILES, tiled: tiled.toString() });
  const ms = (t) => t.toFixed(0);
  console.log(`${files[0]}, all its pipelines on one device (ms in all):\n`);
  console.log("| the first half (" + totals.half + "), one at a time | the second half (" + (totals.n - totals.half)
    + "), all at once | all " + totals.n + " again, the same descriptors, made as wgpu makes them |");
  console.log("|---:|---:|---:|");
  console.log(`| ${ms(totals.one)} | ${ms(totals.all)} | ${ms(totals.again)} |`);
} finally {
  await close();
}

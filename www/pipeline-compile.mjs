// How long Chromium's WebGPU takes to make a compute pipeline of each of our WGSL convolution's
// shapes (shaders/conv.wgsl, TM × TN as src/conv/gpu.rs writes them), one at a time on an idle
// device: createShaderModule + createComputePipelineAsync, in milliseconds.
//
//   node www/pipeline-compile.mjs [dist] [shader files, default shaders/conv.wgsl]
//
// Then, for the first file's pipelines all together (each with its own explicit layout, as wgpu
// makes them), three totals: all made one at a time on a device, all at once on a second one
// (createComputePipelineAsync: does the GPU process compile them in parallel?), then all again
// on the second with the same descriptors by createComputePipeline, as wgpu makes them (does
// Dawn's cache of pipelines return the compiled ones?).
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
    // conv.wgsl's bindings: lhs, rhs, result, bias (storage), geo (uniform).
    const entries = [0, 1, 2, 3].map((binding) => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: "storage" } }));
    entries.push({ binding: 4, visibility: GPUShaderStage.COMPUTE, buffer: { type: "uniform" } });
    const descriptor = (device, [code, entryPoint]) => ({
      layout: device.createPipelineLayout({ bindGroupLayouts: [device.createBindGroupLayout({ entries })] }),
      compute: { module: device.createShaderModule({ code }), entryPoint },
    });
    const time = async (work) => { const t0 = performance.now(); await work(); return performance.now() - t0; };
    const fresh = async () => (await navigator.gpu.requestAdapter()).requestDevice();
    // Kept alive: Dawn's cache holds a pipeline only while something references it.
    const kept = [];
    let device = await fresh();
    const one = await time(async () => { for (const p of pipelines) kept.push(await device.createComputePipelineAsync(descriptor(device, p))); });
    device.destroy();
    device = await fresh();
    const all = await time(async () => kept.push(...await Promise.all(pipelines.map((p) => device.createComputePipelineAsync(descriptor(device, p))))));
    // As wgpu makes them (createComputePipeline); the queue's next "done" comes after them.
    const again = await time(() => {
      for (const p of pipelines) device.createComputePipeline(descriptor(device, p));
      return device.queue.onSubmittedWorkDone();
    });
    device.destroy();
    return { one, all, again, n: pipelines.length };
  }, { source: readFileSync(files[0], "utf8"), TILES, tiled: tiled.toString() });
  const ms = (t) => t.toFixed(0);
  console.log(`${files[0]}, all its pipelines (ms in all):\n`);
  console.log(`| all ${totals.n}, one at a time | all ${totals.n} at once (another device) | all again on that device, the same descriptors, made as wgpu makes them |`);
  console.log("|---:|---:|---:|");
  console.log(`| ${ms(totals.one)} | ${ms(totals.all)} | ${ms(totals.again)} |`);
} finally {
  await close();
}

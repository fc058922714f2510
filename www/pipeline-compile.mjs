// How long Chromium's WebGPU takes to make a compute pipeline of each of our WGSL convolution's
// shapes (shaders/conv.wgsl, TM × TN as src/conv/gpu.rs writes them), one at a time on an idle
// device: createShaderModule + createComputePipelineAsync, in milliseconds.
//
//   node www/pipeline-compile.mjs [dist] [shader files, default shaders/conv.wgsl]
//
// CHROME_ARGS adds Chromium flags, e.g. --disable-dawn-features=use_vulkan_zero_initialize_workgroup_memory_extension
// (Dawn then zeroes workgroup memory with a loop in the shader instead of asking the driver).
import { readFileSync } from "node:fs";
import { shaderPage } from "./harness.mjs";

const dist = process.argv[2] ?? "dist";
const files = process.argv.length > 3 ? process.argv.slice(3) : ["shaders/conv.wgsl"];
const { page, close } = await shaderPage(dist);
try {
  for (const file of files) {
    const source = readFileSync(file, "utf8");
    const rows = await page.evaluate(async (source) => {
      const adapter = await navigator.gpu.requestAdapter();
      const device = await adapter.requestDevice();
      const rows = [];
      // The tiles ResNet20 v1 and ResNet29 v2 use (src/conv/gpu.rs: tile_rows, tile_columns).
      const tiles = [[16, 64], [16, 128], [16, 160], [32, 32], [32, 128], [32, 144], [64, 32], [64, 128], [64, 144]];
      for (const [tm, tn] of tiles) {
        // src/conv/gpu.rs's `groups`: rows of 16 invocations that stage the left-hand slice.
        let groups = 1;
        while (groups * 2 <= (tm / 8) * (tn / 8) / 16 && groups * 2 <= tm / 4) groups *= 2;
        const code = source.replace("const TM: u32 = 64u;", `const TM: u32 = ${tm}u;`)
          .replace("const TN: u32 = 128u;", `const TN: u32 = ${tn}u;`)
          .replace("const GROUPS: u32 = 8u;", `const GROUPS: u32 = ${groups}u;`);
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
    }, source);
    console.log(`${file}${process.env.CHROME_ARGS ? ` (${process.env.CHROME_ARGS})` : ""}\n`);
    console.log("| tile | invocations | workgroup memory | forward (ms) | input gradient (ms) | kernel gradient (ms) |");
    console.log("|---|---:|---:|---:|---:|---:|");
    console.log(rows.join("\n") + "\n");
  }
} finally {
  await close();
}

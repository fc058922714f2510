// How long our WGSL convolution's three products (shaders/conv.wgsl) take in Chromium's WebGPU
// on a net's convolutions (ResNet20 v1's, or MODEL=resnet29v2), measured by timestamp queries, one dispatch per compute pass
// (as www/kernel-profile.mjs measures a training step's), without the rest of the step around
// them: to try a change to the shader in the browser in seconds instead of a page build. The
// tiles, the slices of the kernel gradient and the dispatches are src/conv/gpu.rs's, written
// out again below. Prints, per shader file, milliseconds per dispatch (the median of ROUNDS
// rounds) for each kind of layer, the convolutions' device time per training step, and the
// rate in GFLOP/s.
//
//   node www/conv-kernels.mjs [batch, default 32] [shader files, default shaders/conv.wgsl]
//
// PATCH=shaders/conv_patch.wgsl runs the 3×3 stride-1 layers' forward pass and input gradient
// with that shader (as src/conv/gpu.rs does), and checks its results against the first file's;
// PATCH_KERNEL=shaders/conv_patch_kernel.wgsl likewise their kernel gradient;
// POINT=shaders/conv_point.wgsl the 1×1 stride-1 layers' three products (the kernel gradient
// where the plane is a multiple of 16 pixels).
// MODEL=resnet29v2 takes that net's convolutions instead of ResNet20 v1's.
// CHROME_ARGS adds Chromium flags (e.g. --enable-dawn-features=disable_robustness).
import { readFileSync } from "node:fs";
import { shaderPage } from "./harness.mjs";

const batch = Number(process.argv[2] ?? 32);
const files = process.argv.length > 3 ? process.argv.slice(3) : ["shaders/conv.wgsl"];
const ROUNDS = Number(process.env.ROUNDS ?? 3);
// The nets' convolutions: [channels, filters, kernel, stride, input side, how many, input
// gradient wanted (not for the first layer, whose input is the image)].
const MODELS = {
  resnet20v1: [
    [3, 16, 3, 1, 32, 1, false], [16, 16, 3, 1, 32, 6, true],
    [16, 32, 3, 2, 32, 1, true], [16, 32, 1, 2, 32, 1, true], [32, 32, 3, 1, 16, 5, true],
    [32, 64, 3, 2, 16, 1, true], [32, 64, 1, 2, 16, 1, true], [64, 64, 3, 1, 8, 5, true],
  ],
  // Three bottleneck blocks per stage (1×1, 3×3, 1×1), a 1×1 projection in each stage's first.
  resnet29v2: [
    [3, 16, 3, 1, 32, 1, false], [16, 16, 1, 1, 32, 1, true], [16, 16, 3, 1, 32, 3, true],
    [16, 64, 1, 1, 32, 4, true], [64, 16, 1, 1, 32, 2, true],
    [64, 64, 1, 2, 32, 1, true], [64, 128, 1, 2, 32, 1, true], [64, 64, 3, 1, 16, 3, true],
    [64, 128, 1, 1, 16, 3, true], [128, 64, 1, 1, 16, 2, true],
    [128, 128, 1, 2, 16, 1, true], [128, 256, 1, 2, 16, 1, true], [128, 128, 3, 1, 8, 3, true],
    [128, 256, 1, 1, 8, 3, true], [256, 128, 1, 1, 8, 2, true],
  ],
};
const MODEL = process.env.MODEL ?? "resnet20v1";
const LAYERS = MODELS[MODEL];
if (!LAYERS) throw new Error(`MODEL=${MODEL}: one of ${Object.keys(MODELS).join(", ")}`);

// src/conv.rs's same_padding and src/conv/gpu.rs's Product::sizes, tile_rows, tile_columns,
// groups, split.
function geometry(b, c, f, k, s, side) {
  const out = Math.ceil(side / s);
  const top = Math.floor(Math.max((out - 1) * s + k - side, 0) / 2);
  return { b, c, f, k, s, h: side, w: side, top, left: top, oh: out, ow: out };
}
function sizes(product, g) {
  if (product === "forward") return [g.f, g.b * g.oh * g.ow, g.c * g.k * g.k];
  if (product === "input_gradient") return [g.c, g.b * Math.ceil(g.h / g.s) * Math.ceil(g.w / g.s), g.f * Math.ceil(g.k / g.s) ** 2];
  return [g.f, g.c * g.k * g.k, g.b * g.oh * g.ow];
}
const tileRows = (m) => (m <= 16 ? 16 : m <= 32 ? 32 : 64);
function tileColumns(n, tm) {
  let best = 128, bestKey = null;
  for (let tn = 8; tn <= 160; tn += 8) {
    const inv = (tn / 8) * (tm / 8);
    if (inv % 8 !== 0 || inv < 16) continue;
    const key = [Math.ceil(n / tn) * tn, -tn];
    if (!bestKey || key[0] < bestKey[0] || (key[0] === bestKey[0] && key[1] < bestKey[1])) [best, bestKey] = [tn, key];
  }
  return best;
}
function groups(tm, tn) {
  const available = (tm / 8) * (tn / 8) / 16;
  let g = 1;
  while (g * 2 <= available && g * 2 <= tm / 4) g *= 2;
  return g;
}
// src/conv/gpu.rs's patch_lines: the output rows of a tile of shaders/conv_patch.wgsl, where it
// takes the product.
function patchLines(product, g) {
  if (!process.env.PATCH || product === "kernel_gradient" || g.k !== 3 || g.s !== 1 || g.w % 8 !== 0 || g.w > 128) return 0;
  let lines = Math.min(Math.floor(128 / g.w), g.h);
  while (g.h % lines !== 0) lines--;
  return lines;
}
// src/conv/gpu.rs's patch_kernel_tile: (channels of a tile, lines per step), where
// shaders/conv_patch_kernel.wgsl takes the kernel gradient.
function patchKernelTile(g, tm) {
  if (!process.env.PATCH_KERNEL || g.k !== 3 || g.s !== 1 || g.w % 8 !== 0) return null;
  const ch = g.c >= 16 ? 16 : Math.max(4, 2 ** Math.ceil(Math.log2(g.c)));
  for (let lines = g.h; lines >= 1; lines--) {
    if (g.h % lines === 0 && tm * lines * g.w + ch * (lines + 2) * (g.w + 2) <= 3840) return { ch, lines };
  }
  return null;
}
// src/conv/gpu.rs's point_columns and point_kernel: the columns of a tile of
// shaders/conv_point.wgsl (pixels; the kernel gradient's, channels), where it takes the product.
function pointColumns(product, g) {
  if (!process.env.POINT || g.k !== 1 || g.s !== 1) return 0;
  if (product === "kernel_gradient") return (g.h * g.w) % 16 === 0 ? tileRows(g.c) : 0;
  return g.h * g.w <= 64 ? 64 : 128;
}
function grid(product, g) {
  const point = pointColumns(product, g);
  if (point && product === "kernel_gradient") {
    const [m, n, k] = sizes(product, g);
    const tm = tileRows(m);
    const [columns, rows] = [Math.ceil(n / point), Math.ceil(m / tm)];
    const wanted = Math.ceil(1024 / (columns * rows));
    const slice = Math.ceil(Math.max(Math.ceil(k / wanted), 1024) / 16) * 16;
    return { m, n, k, tm, point, slice, workgroups: [columns, rows, Math.max(Math.ceil(k / slice), 1)], general: { tm, tn: 128, groups: groups(tm, 128) } };
  }
  if (point) {
    const [m, n, k] = sizes(product, g);
    const tm = tileRows(m);
    return { m, n, k, tm, point, workgroups: [g.b * Math.ceil(g.h * g.w / point), Math.ceil(m / tm), 1], general: { tm, tn: 128, groups: groups(tm, 128) } };
  }
  if (product === "kernel_gradient") {
    const [m, n, k] = sizes(product, g);
    const tm = tileRows(m);
    const tile = patchKernelTile(g, tm);
    if (tile) {
      const [columns, rows] = [Math.ceil(g.c / tile.ch), Math.ceil(m / tm)];
      const tiles = g.b * g.h / tile.lines;
      const wanted = Math.ceil(1024 / (columns * rows));
      const per = Math.max(Math.ceil(tiles / wanted), Math.ceil(1024 / (tile.lines * g.w)));
      const slices = Math.ceil(tiles / per);
      return { m, n, k, tm, kernelPatch: { ...tile, per }, workgroups: [columns, rows, slices], slice: per * tile.lines * g.w,
        general: { tm, tn: 128, groups: groups(tm, 128) } };
    }
  }
  const lines = patchLines(product, g);
  if (lines) {
    const [m, n, k] = sizes(product, g);
    const tm = tileRows(m);
    // `general`: the tile of shaders/conv.wgsl that the check runs the same product with.
    return { m, n, k, tm, lines, workgroups: [g.b * g.h / lines, Math.ceil(m / tm), 1], general: { tm, tn: 128, groups: groups(tm, 128) } };
  }
  const [m, n, k] = sizes(product, g);
  const tm = tileRows(m), tn = tileColumns(n, tm);
  const columns = Math.ceil(n / tn), rows = Math.ceil(m / tm);
  let slice = k, slices = 1;
  if (product === "kernel_gradient") {
    const wanted = Math.ceil(1024 / Math.max(columns * rows, 1));
    slice = Math.ceil(Math.max(Math.ceil(k / wanted), 1024) / 16) * 16;
    slices = Math.max(Math.ceil(k / slice), 1);
  } else if (product === "input_gradient") {
    slices = g.s * g.s;
  }
  return { m, n, k, tm, tn, groups: groups(tm, tn), workgroups: [columns, rows, slices], slice };
}

// The patch and 1×1 shaders with shaders/block.wgsl appended, as src/conv/gpu.rs compiles them.
const block = readFileSync("shaders/block.wgsl", "utf8");
const patchSource = process.env.PATCH ? readFileSync(process.env.PATCH, "utf8") + block : null;
const kernelSource = process.env.PATCH_KERNEL ? readFileSync(process.env.PATCH_KERNEL, "utf8") : null;
const pointSource = process.env.POINT ? readFileSync(process.env.POINT, "utf8") + block : null;
const { page, close } = await shaderPage("www");
try {
  for (const file of files) {
    const source = readFileSync(file, "utf8");
    const layers = LAYERS.map(([c, f, k, s, side, count, input]) => {
      const g = geometry(batch, c, f, k, s, side);
      const products = ["forward", ...(input ? ["input_gradient"] : []), "kernel_gradient"].map((p) => ({ p, ...grid(p, g) }));
      return { g, count, products };
    });
    const result = await page.evaluate(async ({ source, patchSource, kernelSource, pointSource, layers, rounds }) => {
      const adapter = await navigator.gpu.requestAdapter();
      const device = await adapter.requestDevice({ requiredFeatures: ["timestamp-query"] });
      // A validation error (a binding the shader declares otherwise) would leave every pass empty
      // and time nothing: it fails the run.
      device.pushErrorScope("validation");
      const modules = new Map();
      const pipeline = async (pr, g, entryPoint, general = false) => {
        const patch = !general && pr.lines;
        const kp = general ? null : pr.kernelPatch;
        const point = !general && pr.point;
        const key = kp ? `kernel ${pr.tm}x${kp.ch}x${g.w}x${kp.lines}` : patch ? `patch ${pr.tm}x${g.w}x${pr.lines}` : point ? `point ${pr.tm}x${point}` : `${pr.tm}x${pr.tn}`;
        if (!modules.has(key)) {
          const code = point
            ? pointSource.replace("const TM: u32 = 64u;", `const TM: u32 = ${pr.tm}u;`).replace("const TN: u32 = 128u;", `const TN: u32 = ${point}u;`)
            : kp
            ? kernelSource.replace("const TM: u32 = 16u;", `const TM: u32 = ${pr.tm}u;`)
              .replace("const CH: u32 = 16u;", `const CH: u32 = ${kp.ch}u;`)
              .replace("const WIDTH: u32 = 32u;", `const WIDTH: u32 = ${g.w}u;`)
              .replace("const LINES: u32 = 2u;", `const LINES: u32 = ${kp.lines}u;`)
            : patch
            ? patchSource.replace("const TM: u32 = 64u;", `const TM: u32 = ${pr.tm}u;`)
              .replace("const WIDTH: u32 = 32u;", `const WIDTH: u32 = ${g.w}u;`)
              .replace("const LINES: u32 = 4u;", `const LINES: u32 = ${pr.lines}u;`)
            : source.replace("const TM: u32 = 64u;", `const TM: u32 = ${pr.tm}u;`)
              .replace("const TN: u32 = 128u;", `const TN: u32 = ${pr.tn}u;`)
              .replace("const GROUPS: u32 = 8u;", `const GROUPS: u32 = ${pr.groups}u;`);
          const module = device.createShaderModule({ code });
          const errors = (await module.getCompilationInfo()).messages.filter((m) => m.type === "error");
          if (errors.length) throw new Error(errors.map((m) => `${m.lineNum}: ${m.message}`).join("\n"));
          modules.set(key, module);
        }
        return device.createComputePipelineAsync({ layout: "auto", compute: { module: modules.get(key), entryPoint } });
      };
      const storage = (values) => {
        const buffer = device.createBuffer({ size: Math.max(values.byteLength, 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
        device.queue.writeBuffer(buffer, 0, values);
        return buffer;
      };
      // The sizes (each shader's `geo`): a uniform, as src/launch.rs binds them, after the buffers;
      // its size rounded up to 16 bytes.
      const uniform = (values) => {
        const padded = new Uint32Array(Math.ceil(values.length / 4) * 4);
        padded.set(values);
        const buffer = device.createBuffer({ size: padded.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
        device.queue.writeBuffer(buffer, 0, padded);
        return buffer;
      };
      const random = (n) => new Float32Array(n).map((_, i) => Math.sin(i * 0.37));
      const out = [];
      for (const { g, products } of layers) {
        const x = storage(random(g.b * g.c * g.h * g.w));
        const weight = storage(random(g.f * g.c * g.k * g.k));
        const dy = storage(random(g.b * g.f * g.oh * g.ow));
        const bias = storage(new Float32Array(g.f));
        const row = {};
        for (const pr of products) {
          const [lhs, rhs] = pr.p === "forward" ? [weight, x] : pr.p === "input_gradient" ? [weight, dy] : [dy, x];
          const outputs = pr.p === "forward" ? g.b * g.f * g.oh * g.ow : pr.p === "input_gradient" ? g.b * g.c * g.h * g.w : pr.workgroups[2] * pr.m * pr.n;
          const result = device.createBuffer({ size: outputs * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
          const geo = pr.kernelPatch
            ? uniform(new Uint32Array([g.b, g.c, g.h, g.f, pr.kernelPatch.per]))
            : pr.lines
            ? uniform(new Uint32Array([g.b, pr.p === "forward" ? g.c : g.f, g.h, pr.m]))
            : pr.point
            ? uniform(new Uint32Array([g.b, pr.p === "input_gradient" ? g.f : g.c, g.h * g.w, pr.m, pr.slice ?? pr.k]))
            : uniform(new Uint32Array([g.b, g.c, g.h, g.w, g.f, g.k, g.s, g.top, g.left, g.oh, g.ow, pr.m, pr.n, pr.k, pr.slice]));
          const pipe = await pipeline(pr, g, pr.p);
          const group = device.createBindGroup({ layout: pipe.getBindGroupLayout(0),
            entries: (pr.kernelPatch ? [lhs, rhs, result, geo] : [lhs, rhs, result, bias, geo]).map((buffer, binding) => ({ binding, resource: { buffer } })) });
          const query = device.createQuerySet({ type: "timestamp", count: 2 });
          const resolved = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
          const read = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
          const times = [];
          // Round 0 warms up and is not counted.
          for (let round = 0; round <= rounds; round++) {
            const encoder = device.createCommandEncoder();
            const pass = encoder.beginComputePass({ timestampWrites: { querySet: query, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } });
            pass.setPipeline(pipe);
            pass.setBindGroup(0, group);
            pass.dispatchWorkgroups(...pr.workgroups);
            pass.end();
            encoder.resolveQuerySet(query, 0, 2, resolved, 0);
            encoder.copyBufferToBuffer(resolved, 0, read, 0, 16);
            device.queue.submit([encoder.finish()]);
            await read.mapAsync(GPUMapMode.READ);
            const stamps = new BigInt64Array(read.getMappedRange().slice(0));
            read.unmap();
            if (round > 0) times.push(Number(stamps[1] - stamps[0]) / 1e6);
          }
          row[pr.p] = times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
          if (pr.lines || pr.kernelPatch || pr.point) {
            // The same product by the general kernel (first file), compared value by value (the
            // kernel gradient's partial sums added up first).
            const [m, n, k] = [pr.m, pr.n, pr.k];
            const { general } = pr;
            const tm = general.tm;
            const expected = device.createBuffer({ size: outputs * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
            const geo2 = uniform(new Uint32Array([g.b, g.c, g.h, g.w, g.f, g.k, g.s, g.top, g.left, g.oh, g.ow, m, n, k, k]));
            const partial = pr.p === "kernel_gradient";
            const values = partial ? m * n : outputs;
            const pipe2 = await pipeline(general, g, pr.p, true);
            const group2 = device.createBindGroup({ layout: pipe2.getBindGroupLayout(0),
              entries: [lhs, rhs, expected, bias, geo2].map((buffer, binding) => ({ binding, resource: { buffer } })) });
            const encoder = device.createCommandEncoder();
            const pass = encoder.beginComputePass();
            pass.setPipeline(pipe2);
            pass.setBindGroup(0, group2);
            pass.dispatchWorkgroups(Math.ceil(n / 128), Math.ceil(m / tm), 1);
            pass.end();
            const back = [result, expected].map(() => device.createBuffer({ size: outputs * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }));
            const sum = (v) => { const s = new Float32Array(values); for (let i = 0; i < v.length; i++) s[i % values] += v[i]; return s; };
            encoder.copyBufferToBuffer(result, 0, back[0], 0, outputs * 4);
            encoder.copyBufferToBuffer(expected, 0, back[1], 0, outputs * 4);
            device.queue.submit([encoder.finish()]);
            const [got, want] = (await Promise.all(back.map(async (b) => { await b.mapAsync(GPUMapMode.READ); return new Float32Array(b.getMappedRange().slice(0)); })))
              .map((v, i) => (partial ? sum(i === 0 ? v : v.subarray(0, m * n)) : v));
            let worst = 0;
            for (let i = 0; i < values; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
            row[`${pr.p} error`] = worst;
            if (pr.kernelPatch) {
              // Both kernel gradients against one summed in f64 here: which of the two is off.
              const [xv, dv] = [random(g.b * g.c * g.h * g.w), random(g.b * g.f * g.oh * g.ow)];
              let [errGot, errWant] = [0, 0];
              for (let f = 0; f < g.f; f++) for (let c = 0; c < g.c; c++) for (let t = 0; t < 9; t++) {
                const [i, j] = [Math.floor(t / 3), t % 3];
                let sum = 0;
                for (let b = 0; b < g.b; b++) for (let oy = 0; oy < g.h; oy++) {
                  const y = oy + i - 1;
                  if (y < 0 || y >= g.h) continue;
                  for (let ox = 0; ox < g.w; ox++) {
                    const xx = ox + j - 1;
                    if (xx < 0 || xx >= g.w) continue;
                    sum += dv[((b * g.f + f) * g.h + oy) * g.w + ox] * xv[((b * g.c + c) * g.h + y) * g.w + xx];
                  }
                }
                const at = f * g.c * 9 + c * 9 + t;
                errGot = Math.max(errGot, Math.abs(got[at] - sum) / (1 + Math.abs(sum)));
                errWant = Math.max(errWant, Math.abs(want[at] - sum) / (1 + Math.abs(sum)));
              }
              row["f64"] = [errGot, errWant];
            } else if (partial) {
              // A 1×1 kernel gradient likewise: Σ over the batch's pixels of dy · x.
              const [xv, dv] = [random(g.b * g.c * g.h * g.w), random(g.b * g.f * g.oh * g.ow)];
              const plane = g.h * g.w;
              let [errGot, errWant] = [0, 0];
              for (let f = 0; f < g.f; f++) for (let c = 0; c < g.c; c++) {
                let sum = 0;
                for (let b = 0; b < g.b; b++) {
                  const [dyAt, xAt] = [(b * g.f + f) * plane, (b * g.c + c) * plane];
                  for (let p = 0; p < plane; p++) sum += dv[dyAt + p] * xv[xAt + p];
                }
                const at = f * g.c + c;
                errGot = Math.max(errGot, Math.abs(got[at] - sum) / (1 + Math.abs(sum)));
                errWant = Math.max(errWant, Math.abs(want[at] - sum) / (1 + Math.abs(sum)));
              }
              row["f64"] = [errGot, errWant];
            }
            [expected, geo2, ...back].forEach((b) => b.destroy());
          }
          [result, geo, resolved, read].forEach((b) => b.destroy());
          query.destroy();
        }
        out.push(row);
        [x, weight, dy, bias].forEach((b) => b.destroy());
      }
      const error = await device.popErrorScope();
      device.destroy();
      if (error) throw new Error(`validation: ${error.message}`);
      return out;
    }, { source, patchSource, kernelSource, pointSource, layers, rounds: ROUNDS });
    console.log(`${file}, ${MODEL}, batch ${batch}${process.env.CHROME_ARGS ? ` (${process.env.CHROME_ARGS})` : ""}, ms per dispatch (median of ${ROUNDS})\n`);
    console.log("| layer c→f, k×k / s, side | layers | forward | input gradient | kernel gradient | per step (× layers) |");
    console.log("|---|---:|---:|---:|---:|---:|");
    const total = { forward: 0, input_gradient: 0, kernel_gradient: 0 };
    let flops = 0;
    const checks = [];
    for (const [i, { g, count, products }] of layers.entries()) {
      const row = result[i];
      let ms = 0;
      for (const pr of products) {
        total[pr.p] += row[pr.p] * count;
        ms += row[pr.p] * count;
        // Useful multiply-adds: those of the convolution, not the tiles' padding.
        flops += 2 * g.f * g.c * g.k * g.k * g.b * g.oh * g.ow * count;
      }
      const cell = (p) => (row[p] === undefined ? "—" : row[p].toFixed(2));
      for (const p of ["forward", "input_gradient", "kernel_gradient"]) {
        if (row[`${p} error`] !== undefined) checks.push(`${g.c}→${g.f} on ${g.h}×${g.w} ${p}: ${row[`${p} error`].toExponential(1)}`);
        if (p === "kernel_gradient" && row.f64) checks.push(`(against f64 sums: ${g.k === 1 ? "point" : "patch"} ${row.f64[0].toExponential(1)}, conv.wgsl ${row.f64[1].toExponential(1)})`);
      }
      console.log(`| ${g.c}→${g.f}, ${g.k}×${g.k} / ${g.s}, ${g.h} | ${count} | ${cell("forward")} | ${cell("input_gradient")} | ${cell("kernel_gradient")} | ${ms.toFixed(1)} |`);
    }
    if (checks.length) console.log(`\nlargest difference from the general kernel, |got − expected| / (1 + |expected|): ${checks.join("; ")}`);
    const all = total.forward + total.input_gradient + total.kernel_gradient;
    console.log(`\nper training step: forward ${total.forward.toFixed(0)} ms, input gradient ${total.input_gradient.toFixed(0)} ms, kernel gradient ${total.kernel_gradient.toFixed(0)} ms; all ${all.toFixed(0)} ms, ${(flops / all / 1e6).toFixed(2)} GFLOP/s\n`);
  }
} finally {
  await close();
}

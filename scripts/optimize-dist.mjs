// The built page's size (trunk's post_build hook, via scripts/post-build.sh), on dist/.stage:
//   1. the wasm's `name` section dropped (function names, only for stack traces and profiles);
//      KEEP_NAMES=1 keeps it, e.g. to profile in DevTools with real function names;
//   2. with WASM_OPT=1 only, wasm-opt (binaryen, from www/node_modules or $WASM_OPT_BIN);
//      WASM_OPT_LEVEL picks the level (default -O1). Off by default: on the 2-core development
//      VM -O1 took 3m05–3m19 on the 39 MB module (1m46 of CPU), over the ~3 min a build may spend
//      on it, for 22 % less raw wasm but only 3–4 % less compressed (BENCHMARKS.md);
//   3. precompressed copies next to each text file and the wasm, `<file>.gz` (gzip -9) and
//      `<file>.br` (brotli, quality $BROTLI_QUALITY, default 11), for servers that serve them
//      (the e2e server does, see www/harness.mjs); PRECOMPRESS=0 skips them. Not data/: the
//      archive is gzip already.
//
//   node scripts/optimize-dist.mjs DIR
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, extname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";

const dir = resolve(process.argv[2] ?? process.env.TRUNK_STAGING_DIR ?? "dist");
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const env = (name, fallback) => process.env[name] ?? fallback;
const mb = (bytes) => `${(bytes / 1e6).toFixed(2)} MB`;
const log = (message) => console.error(`optimize-dist: ${message}`);

/** Reads an unsigned LEB128 at `at`; returns [value, next offset]. */
function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, at];
    shift += 7;
  }
}

/** The module's sections: { id, name (custom sections), start, end } over `bytes`. */
export function sections(bytes) {
  if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error("not a WebAssembly module");
  const out = [];
  let at = 8;
  while (at < bytes.length) {
    const start = at;
    const id = bytes[at++];
    const [size, body] = leb(bytes, at);
    let name = null;
    if (id === 0) {
      const [length, text] = leb(bytes, body);
      name = bytes.subarray(text, text + length).toString("utf8");
    }
    at = body + size;
    out.push({ id, name, start, end: at });
  }
  return out;
}

/** The module without the custom sections named in `drop`. */
export function withoutCustomSections(bytes, drop) {
  const kept = [bytes.subarray(0, 8)];
  for (const s of sections(bytes)) {
    if (!(s.id === 0 && drop.includes(s.name))) kept.push(bytes.subarray(s.start, s.end));
  }
  return Buffer.concat(kept);
}

async function files(folder) {
  const out = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (relative(dir, path) !== "data") out.push(...(await files(path)));
    } else if (entry.isFile()) {
      out.push(path);
    }
  }
  return out;
}

function wasmOptBinary() {
  const candidates = [process.env.WASM_OPT_BIN, join(root, "www/node_modules/.bin/wasm-opt")];
  return candidates.find((path) => path && existsSync(path));
}

// The features rustc (wasm32-unknown-unknown, 1.95) and .cargo/config.toml (+simd128) enable.
const FEATURES = ["--enable-bulk-memory", "--enable-mutable-globals", "--enable-nontrapping-float-to-int",
  "--enable-sign-ext", "--enable-simd", "--enable-reference-types", "--enable-multivalue"];

// Imported (by www/e2e-serve.mjs, for `sections`): nothing more to do.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();

async function main() {
  const keepNames = env("KEEP_NAMES", "0") === "1";
  for (const path of (await files(dir)).filter((p) => extname(p) === ".wasm")) {
    const before = await readFile(path);
    const named = sections(before).filter((s) => s.id === 0).map((s) => `${s.name} ${mb(s.end - s.start)}`);
    log(`${relative(dir, path)}: ${mb(before.length)}; custom sections: ${named.join(", ") || "none"}`);
    let bytes = keepNames ? before : withoutCustomSections(before, ["name"]);
    if (!keepNames) log(`name section dropped (KEEP_NAMES=1 keeps it): ${mb(bytes.length)}`);
    await writeFile(path, bytes);
    const wasmOpt = env("WASM_OPT", "0") === "1" ? wasmOptBinary() : undefined;
    if (wasmOpt) {
      const level = env("WASM_OPT_LEVEL", "-O1");
      const t0 = Date.now();
      execFileSync(wasmOpt, [path, "-o", path, level, ...FEATURES, ...(keepNames ? ["-g"] : [])],
        { stdio: "inherit" });
      bytes = await readFile(path);
      log(`wasm-opt ${level}: ${mb(bytes.length)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } else {
      log(env("WASM_OPT", "0") !== "1" ? "wasm-opt not run (WASM_OPT=1 runs it)" : "wasm-opt skipped: not installed (npm ci in www/)");
    }
  }

  const COMPRESSIBLE = new Set([".html", ".js", ".mjs", ".css", ".svg", ".wasm", ".json", ".txt"]);
  if (env("PRECOMPRESS", "1") !== "0") {
    const t0 = Date.now();
    const quality = Number(env("BROTLI_QUALITY", "11"));
    const jobs = [];
    for (const path of await files(dir)) {
      if (!COMPRESSIBLE.has(extname(path))) continue;
      jobs.push((async () => {
        const body = await readFile(path);
        const [gz, br] = await Promise.all([
          promisify(gzip)(body, { level: 9 }),
          promisify(brotliCompress)(body, { params: {
            [constants.BROTLI_PARAM_QUALITY]: quality,
            [constants.BROTLI_PARAM_LGWIN]: 24,
            [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
          } }),
        ]);
        for (const [ext, packed] of [[".gz", gz], [".br", br]]) {
          if (packed.length < body.length) await writeFile(path + ext, packed);
          else await rm(path + ext, { force: true });
        }
        return [relative(dir, path), body.length, gz.length, br.length];
      })());
    }
    const done = await Promise.all(jobs);
    const total = done.reduce((sum, [, raw, gz, br]) => [sum[0] + raw, sum[1] + gz, sum[2] + br], [0, 0, 0]);
    log(`precompressed ${done.length} files in ${((Date.now() - t0) / 1000).toFixed(1)} s: `
      + `${mb(total[0])} raw, ${mb(total[1])} gzip, ${mb(total[2])} brotli (q${quality})`);
  } else {
    log("precompression skipped (PRECOMPRESS=0)");
  }
}

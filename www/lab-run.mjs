// Runs one of the lab's experiments in the built page (dist/), in headless Chromium, the way a
// visitor would: the lab's button, its plan, «Empezar», and waits for the end. Prints the plan,
// the expected and the actual time, each network's final errors and the page's verdict, as a
// Markdown table for BENCHMARKS.md; saves a screenshot of the lab.
//
//   node www/lab-run.mjs [dist] [experiment] [budget seconds] [link query]
//   node www/lab-run.mjs dist degradation 600 batch_size=128
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { launch, serve } from "./harness.mjs";

const [dist = "dist", experiment = "degradation", budget = "600", query = "batch_size=128"] = process.argv.slice(2);
const shots = resolve("target/e2e");
await mkdir(shots, { recursive: true });
const server = await serve(dist);
const browser = await launch({ webgpu: process.env.LAB_WEBGPU === "1" });
try {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1100 }, locale: "es-ES" });
  await page.goto(`${server.url}?${query}&budget_s=${budget}`);
  await page.waitForFunction(() => !document.querySelector("#start").disabled, null, { timeout: 120_000 });
  const device = await page.textContent("#m-adapter");
  await page.click(`#experiments [data-experiment=${experiment}]`);
  await page.waitForSelector("#plan:not([hidden])", { timeout: 300_000 });
  const plan = await page.textContent("#plan-text");
  const measured = await page.textContent("#experiment-status");
  const t0 = Date.now();
  await page.click("#plan-start");
  await page.waitForFunction(() => /terminado|finished/.test(document.querySelector("#experiment-status").textContent),
    null, { timeout: 4 * 3600_000 });
  const seconds = (Date.now() - t0) / 1000;
  const runs = await page.evaluate(() => {
    const chart = Chart.getChart(document.getElementById("compare-chart"));
    return chart.data.datasets.map((d) => ({ label: d.label, values: d.data.filter((v) => v !== null) }));
  });
  const verdict = await page.textContent("#verdict");
  await page.locator("#experiments").screenshot({ path: `${shots}/lab-${experiment}-${budget}s.png` });
  console.log(`device: ${device}\n${measured}\nplan: ${plan}\nactual time: ${seconds.toFixed(0)} s\n`);
  console.log("| network | epochs | final training error (%) | final test error (%) |\n|---|---:|---:|---:|");
  for (let i = 0; i < runs.length; i += 2) {
    const [train, test] = [runs[i], runs[i + 1]];
    const name = train.label.replace(/ · .*$/, "");
    console.log(`| ${name} | ${train.values.length} | ${train.values.at(-1).toFixed(1)} | ${test.values.at(-1).toFixed(1)} |`);
  }
  console.log(`\nverdict: ${verdict}`);
  console.log(`curves: ${JSON.stringify(runs.map((r) => [r.label, r.values.map((v) => +v.toFixed(1))]))}`);
} finally {
  await browser.close();
  server.close();
}

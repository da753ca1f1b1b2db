// The latency charts as a browser draws them: a real deployment-rollout run's report and an explore
// grid page, opened in headless Chromium; the uPlot charts must exist, hold data and paint their canvas.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { findScenario } from "../../scenarios/registry.ts";
import { runScenario } from "../../scenarios/runner.ts";
import { writeRunReport } from "../report.ts";
import { summarize } from "../../harness/metrics/grid.ts";
import { exploreHtml } from "./latency-grid.ts";
import { rawData, readLatency } from "./latency-charts.ts";

// What the callbacks use of the DOM and of uPlot (tsconfig has no DOM lib).
interface Chart {
  data: (number | null)[][];
  root: { querySelector(s: string): Canvas | null };
}
interface Canvas {
  width: number;
  height: number;
  getContext(k: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}
declare const window: { etcdsimLatencyCharts?: Chart[]; etcdsimGridCharts?: Chart[] };
declare const document: { querySelectorAll(s: string): { length: number } };

const CHROMIUM = "/usr/bin/chromium";
const t = suite<{ browser?: Browser; dir: string }>("latency charts in Chromium", { dir: "" });

t.before(async (ctx) => {
  if (!existsSync(CHROMIUM)) assert.unreachable(`${CHROMIUM} is missing: apt-get install -y chromium`);
  ctx.dir = mkdtempSync(join(tmpdir(), "etcdsim-latency-"));
  ctx.browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});
t.after(async (ctx) => {
  await ctx.browser?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

async function open(browser: Browser, file: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const url = pathToFileURL(file).href;
  const errors: string[] = [],
    requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await page.goto(url);
  return { page, errors, requests };
}

/** Per chart: canvas size, non-null values per series, and how many canvas pixels are not blank. */
async function chartsOf(page: Page, global: "etcdsimLatencyCharts" | "etcdsimGridCharts") {
  return page.evaluate(
    (g) =>
      (window[g] ?? []).map((u) => {
        const c = u.root.querySelector("canvas")!;
        const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) painted++;
        return { w: c.width, values: u.data.slice(1).map((s) => s.filter((v) => v !== null).length), painted };
      }),
    global,
  );
}

t(
  "a kube run's report draws every operation as a point and the quantiles over time, with the library inlined",
  async (ctx) => {
    const r = runScenario({ scenario: findScenario("deployment-rollout")!, seed: 1 });
    const lat = readLatency(r.extra?.["latency"]);
    assert.ok(lat, "the run recorded latencies");
    const dir = join(ctx.dir, "run");
    writeRunReport(dir, r);
    const { page, errors, requests } = await open(ctx.browser!, join(dir, "index.html"));
    const charts = await chartsOf(page, "etcdsimLatencyCharts");
    assert.is(charts.length, 2, "latency-raw and latency-quantiles");
    const [raw, quant] = charts;
    // Every drawn point is a value of exactly one metric series.
    assert.is(
      raw!.values.reduce((a, b) => a + b, 0),
      rawData(lat!).data[0]!.length,
    );
    assert.ok(raw!.values.filter((n) => n > 0).length >= 5, `several metrics drawn: ${raw!.values}`);
    assert.ok(quant!.values.some((n) => n > 0));
    for (const c of charts) assert.ok(c.painted > 1000, `canvas painted (${c.painted} pixels)`);
    assert.equal(errors, []);
    assert.equal(requests, [], "the page loads nothing: uPlot is inlined");
    await page.close();
  },
);

t("the explore page draws one chart per metric with a point per grid value", async (ctx) => {
  const samples = (scale: number) => ({
    "etcd leader": [1000 * scale, 2000 * scale, 50_000 * scale],
    "api mutating": [5000 * scale, 9000 * scale],
  });
  const points = [1, 5, 20].map((k) => ({
    values: { "disk.fsyncUs": 1000 * k },
    runs: 2,
    verdicts: { pass: 2, fail: 0, unknown: 0 },
    sloHeld: 2,
    metrics: summarize([samples(k), samples(k * 2)]),
    failures: [],
  }));
  const file = join(ctx.dir, "grid.html");
  writeFileSync(
    file,
    exploreHtml({
      scenario: "deployment-rollout",
      seeds: [1, 2],
      vary: [{ path: "disk.fsyncUs", values: [1000, 5000, 20000] }],
      points,
      wallMs: 1,
    }),
  );
  const { page, errors, requests } = await open(ctx.browser!, file);
  const charts = await chartsOf(page, "etcdsimGridCharts");
  assert.is(charts.length, 2);
  for (const c of charts) {
    assert.equal(c.values, [3, 3, 3, 3], "median, p99, fastest and slowest seed's p99 at each of the 3 points");
    assert.ok(c.painted > 500);
  }
  assert.equal(errors, []);
  assert.equal(requests, []);
  await page.close();
});

t.run();

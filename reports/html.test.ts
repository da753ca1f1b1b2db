// The HTML report as a person sees it: rendered from a real sim-selftest run, a synthetic failing
// run and a real Porcupine log, opened in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core), with assertions on the rendered DOM and a screenshot to look at.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { findScenario } from "../scenarios/registry.ts";
import { runScenario } from "../scenarios/runner.ts";
import { parsePorcupineEtcd } from "../checkers/linearizability/parse/porcupine-etcd.ts";
import { registerModel } from "../checkers/linearizability/models/register.ts";
import { checkOperations } from "../checkers/linearizability/engine.ts";
import { writeCheckReport, writeRunReport } from "./report.ts";
import { reportOperations } from "./html.ts";
import { syntheticFailingRun } from "./html/fixtures.ts";
import { PAD } from "./html/scale.ts";

// The DOM as the page.evaluate callbacks below use it. tsconfig has no DOM lib (core/ must not see
// browser globals), so these module-local declarations stand in for it, in this file only.
interface Box {
  top: number;
  bottom: number;
  left: number;
  right: number;
  width: number;
  height: number;
}
interface Dom {
  getBoundingClientRect(): Box;
  closest(selector: string): Dom | null;
  querySelector(selector: string): Dom | null;
  outerHTML: string;
  className: string;
  textContent: string | null;
  scrollLeft: number;
  dataset: Record<string, string | undefined>;
}
interface SvgLength {
  baseVal: { value: number };
}
interface SvgRect extends Dom {
  x: SvgLength;
  width: SvgLength;
  ownerSVGElement: { width: SvgLength };
}
declare const document: {
  querySelector(selector: string): Dom | null;
  querySelectorAll(selector: string): Iterable<Dom>;
  elementFromPoint(x: number, y: number): Dom | null;
  body: Dom;
};
declare const window: { innerWidth: number; innerHeight: number };

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = join(tmpdir(), "etcdsim-report.png");
const CHECK_SCREENSHOT = join(tmpdir(), "etcdsim-check-report.png");
const CORPUS_LOG = new URL("../checkers/linearizability/testdata/porcupine/jepsen/etcd_040.log", import.meta.url);

interface Ctx {
  browser?: Browser;
  dir: string;
}
const html = suite<Ctx>("html report in Chromium", { dir: "" });

html.before(async (ctx) => {
  if (!existsSync(CHROMIUM)) assert.unreachable(`${CHROMIUM} is missing: apt-get install -y chromium`);
  ctx.dir = mkdtempSync(join(tmpdir(), "etcdsim-html-"));
  ctx.browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

html.after(async (ctx) => {
  await ctx.browser?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

interface Opened {
  page: Page;
  /** Console errors and uncaught exceptions. */
  errors: string[];
  /** Every request other than the report file itself. */
  requests: string[];
}

async function open(ctx: Ctx, file: string, width = 1400): Promise<Opened> {
  const page = await ctx.browser!.newPage({ viewport: { width, height: 900 } });
  const url = pathToFileURL(file).href;
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset["ready"] === "1", undefined, { timeout: 10_000 });
  return { page, errors, requests };
}

/** The element's box lies inside the window and inside its scroller's visible part, right of the sticky labels, and nothing covers its centre. */
async function visibleOnScreen(page: Page, selector: string): Promise<string | true> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return `no ${sel}`;
    const r = el.getBoundingClientRect();
    const cx = Math.min(r.left + r.width / 2, r.left + 3),
      cy = r.top + r.height / 2;
    if (r.top < 0 || r.bottom > window.innerHeight) return `vertically outside the window: ${r.top}..${r.bottom}`;
    const sc = el.closest(".scroller")!.getBoundingClientRect();
    const gutter = el.closest(".canvas")!.querySelector(".gutter")!.getBoundingClientRect();
    if (cx < gutter.right || cx > sc.right || cx > window.innerWidth)
      return `horizontally hidden: x ${cx}, visible ${gutter.right}..${Math.min(sc.right, window.innerWidth)}`;
    const hit = document.elementFromPoint(cx, cy);
    return hit === el ? true : `covered by ${hit?.outerHTML.slice(0, 80)}`;
  }, selector);
}

html(
  "a real sim-selftest run: verdict, a row per check, every applied fault drawn, no errors, no network",
  async (ctx) => {
    const def = findScenario("sim-selftest");
    assert.ok(def, "sim-selftest is registered");
    const r = runScenario({ scenario: def, seed: 3 });
    const dir = join(ctx.dir, "selftest");
    writeRunReport(dir, r);
    const { page, errors, requests } = await open(ctx, join(dir, "index.html"));
    assert.is(await page.textContent("#verdict"), r.verdict.toUpperCase());
    assert.is(await page.textContent("#repro"), r.repro);
    assert.is(await page.textContent("#trace-hash"), r.traceHash);
    assert.equal(
      await page.$$eval("tr.check", (rows) => rows.map((x) => (x as Dom).dataset["check"])),
      r.checks.map((c) => c.name),
    );
    assert.is(await page.locator("[data-chart=faults] .fault").count(), r.faultLog!.length);
    assert.ok(r.faultLog!.length > 0);
    const processes = Number((r.options as { processes: number }).processes);
    assert.is(await page.locator("[data-chart=members] .rowlabel").count(), processes);
    assert.match((await page.textContent("#clients-section"))!, /No client operations were recorded/);
    assert.equal(errors, []);
    assert.equal(requests, []);
    await page.close();
  },
);

html("a failing run: open-ended unknown bars, the unplaceable read highlighted and scrolled into view", async (ctx) => {
  const { run, staleReadId, unknownIds } = syntheticFailingRun(120);
  const dir = join(ctx.dir, "synthetic");
  writeRunReport(dir, run);
  // Narrower than the timeline, so finding the failure needs horizontal scrolling too.
  const { page, errors, requests } = await open(ctx, join(dir, "index.html"), 1000);

  assert.is(await page.textContent("#verdict"), "FAIL");
  const rows = await page.$$eval("tr.check", (rs) => rs.map((x) => [(x as Dom).dataset["check"], x.className]));
  assert.is(rows.length, run.checks.length);
  assert.equal(
    rows.map((x) => x[1]),
    ["check fail", "check fail", "check fail", "check pass"],
    "failures first",
  );
  assert.is(await page.locator("tr.evidence-row details[open]").count(), 3, "failures expanded");
  assert.equal(await page.$$eval("ul.pending li", (ls) => ls.map((l) => (l as Dom).textContent)), [
    "no leader: n1 is partitioned from n2, n3",
    "apply index behind on n3 (412 < 415)",
  ]);

  // One bar per operation; unknown outcomes run to the right edge of the time axis.
  assert.is(await page.locator("[data-chart=clients] rect.op").count(), run.history!.operations.length);
  const unknown = await page.$$eval("rect.op.unknown", (rs) =>
    rs.map((r) => {
      const x = r as SvgRect;
      return {
        id: Number(x.dataset["op"]),
        open: x.dataset["openEnded"],
        right: x.x.baseVal.value + x.width.baseVal.value,
        plot: x.ownerSVGElement.width.baseVal.value,
      };
    }),
  );
  assert.equal(
    unknown.map((u) => u.id).sort((a, b) => a - b),
    unknownIds,
  );
  for (const u of unknown) {
    assert.is(u.open, "true");
    assert.ok(
      Math.abs(u.right - (u.plot - PAD)) < 0.2,
      `unknown op ${u.id} ends at ${u.right}, axis ends at ${u.plot - PAD}`,
    );
  }
  const completedReachingEdge = await page.$$eval(
    "rect.op.ok",
    (rs) =>
      rs.filter((r) => {
        const x = r as SvgRect;
        return x.x.baseVal.value + x.width.baseVal.value > x.ownerSVGElement.width.baseVal.value - 40;
      }).length,
  );
  assert.is(completedReachingEdge, 0, "completed operations end at their return");

  // The read that could not be placed: highlighted, scrolled into view, its details open.
  const stuckSel = `rect.op.lin-stuck[data-op="${staleReadId}"]`;
  assert.is(await page.locator(stuckSel).count(), 1);
  assert.is(
    await page.getAttribute(".op.lin-focus", "data-op"),
    String(staleReadId),
    "the page opens on the rejected read",
  );
  assert.is(await visibleOnScreen(page, stuckSel), true);
  assert.ok(await page.isVisible("#panel"));
  assert.match((await page.textContent("#panel-title"))!, new RegExp(`operation #${staleReadId}\\b`));
  assert.match((await page.textContent("#panel-mark"))!, /could not be placed .*\(rejected\)/);
  assert.match((await page.textContent("#panel-request"))!, /"key": "a"/);
  assert.is(await page.locator("#could-not-place tr.stuck").count(), 2);
  assert.ok((await page.locator("rect.op.lin-prefix").count()) > 10);

  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  // Clicking an operation in the prefix list selects and shows that operation.
  const item = page.locator("ol.prefix li[data-goto-op]").last();
  const id = await item.getAttribute("data-goto-op");
  await item.click();
  assert.is(await page.getAttribute("rect.op.selected", "data-op"), id);
  assert.match((await page.textContent("#panel-mark"))!, /linearized #\d+ of \d+/);

  // Leaders, faults, watches and Kubernetes objects on the same axis.
  assert.is(await page.locator("[data-chart=members] .leader").count(), 2);
  assert.is(await page.locator("[data-chart=members] .leader.conflict").count(), 0);
  assert.is(await page.locator("[data-chart=faults] .fault").count(), run.faults.length);
  assert.is(
    await page.locator("[data-chart=faults] .fault.open").count(),
    1,
    "the unhealed partition runs to the edge",
  );
  assert.is(
    await page.locator("#faults-section ul.legend .swatch").count(),
    new Set(run.faults.map((f) => f.kind)).size,
    "a legend entry per fault kind",
  );
  assert.is(await page.locator("[data-chart=watches] .rowlabel").count(), 2);
  assert.is(await page.locator("[data-chart=watches] .rowlabel.violated").count(), 1);
  assert.is(await page.locator("[data-chart=watches] .wviolation").count(), 1);
  assert.is(await page.locator("[data-chart=watches] .wcancel").count(), 1);
  assert.is(await page.locator("[data-chart=kube] .rowlabel").count(), 6);
  assert.not.match(
    (await page.textContent("#kube-section"))!,
    /malformed/,
    "a run's objects are typed: none is skipped",
  );

  // Every chart scrolls together (scroll events arrive a frame later).
  await page
    .waitForFunction(
      () => {
        const ls = Array.from(document.querySelectorAll(".scroller")).map((x) => (x as Dom).scrollLeft);
        return ls.every((l) => l === ls[0]);
      },
      undefined,
      { timeout: 2000 },
    )
    .catch(() => undefined);
  const lefts = await page.$$eval(".scroller", (ss) => ss.map((s) => (s as Dom).scrollLeft));
  assert.ok(lefts[0]! > 0, "the page scrolled right to the failure");
  assert.ok(
    lefts.every((l) => l === lefts[0]),
    `scroll positions ${lefts}`,
  );

  // Hovering an operation names it; the copy button copies the repro command (or selects it).
  const someOp = run.history!.operations.find((o) => o.return !== null && o.return - o.call >= 8000)!;
  await page.hover(`rect.op[data-op="${someOp.id}"]`);
  assert.ok(await page.isVisible("#tip"));
  assert.match((await page.textContent("#tip"))!, new RegExp(`client ${someOp.client} · #${someOp.id} · `));
  await page.click("#copy-repro");
  await page.waitForFunction(() => document.querySelector("#copy-repro")?.textContent === "copied", undefined, {
    timeout: 2000,
  });

  assert.equal(errors, []);
  assert.equal(requests, []);
  await page.close();
});

html(
  "a real Porcupine log that is not linearizable: the check report shows where the search got stuck",
  async (ctx) => {
    assert.ok(existsSync(CORPUS_LOG), `corpus missing: ${CORPUS_LOG.pathname}`);
    const ops = parsePorcupineEtcd(readFileSync(CORPUS_LOG, "utf8"));
    const result = checkOperations(registerModel, ops);
    assert.is(result.verdict, "illegal");
    const dir = join(ctx.dir, "check");
    writeCheckReport(dir, {
      history: "etcd_040.log",
      format: "porcupine-etcd",
      checks: [{ name: "linearizability", verdict: "fail", message: "not linearizable", evidence: result.evidence }],
      operations: reportOperations(ops, registerModel.describeOperation),
      command: "npx etcdsim check etcd_040.log --format porcupine-etcd",
    });
    const { page, errors, requests } = await open(ctx, join(dir, "index.html"));
    assert.is(await page.textContent("#verdict"), "FAIL");
    assert.is(await page.locator("rect.op").count(), ops.length);
    assert.is(await page.locator("rect.op.unknown").count(), ops.filter((o) => o.return === Infinity).length);
    const stuck = result.evidence!.stuck.map((s) => String(s.op)).sort();
    const drawn = await page.$$eval("rect.op.lin-stuck", (rs) => rs.map((r) => (r as Dom).dataset["op"]!));
    assert.equal(drawn.sort(), stuck);
    assert.is(await visibleOnScreen(page, ".op.lin-focus"), true);
    assert.is(await page.locator("rect.op.lin-prefix").count(), result.evidence!.longestPrefix.length);
    await page.screenshot({ path: CHECK_SCREENSHOT, fullPage: true });
    assert.equal(errors, []);
    assert.equal(requests, []);
    await page.close();
  },
);

html.run();

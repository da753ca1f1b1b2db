// The report as text (no browser): escaping, the cap on drawn operations, tolerance of malformed
// data, determinism. reports/html.test.ts checks the rendered page in Chromium.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { IllegalEvidence } from "../../checkers/linearizability/types.ts";
import type { WatchEvidence } from "../../checkers/watch/types.ts";
import { checkEtcdHistory } from "../../checkers/linearizability/check-etcd.ts";
import { renderCheckHtml, renderRunHtml, reportOperations } from "../html.ts";
import { syntheticFailingRun } from "./fixtures.ts";
import { describeRequest, describeResponse, showRange } from "./describe.ts";
import { readKube } from "./charts/kube.ts";
import { readMembership } from "./membership.ts";
import { segments } from "./charts/members.ts";
import { packLanes } from "./frame.ts";
import { chooseWidth, makeScale, MAX_PLOT_WIDTH, MIN_PLOT_WIDTH, ticks } from "./scale.ts";

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
const embedded = (html: string) =>
  JSON.parse(/<script type="application\/json" id="etcdsim-data">(.*?)<\/script>/s.exec(html)![1]!);

test("the same run renders to the same bytes", () => {
  assert.is(renderRunHtml(syntheticFailingRun().run), renderRunHtml(syntheticFailingRun().run));
});

test("hostile keys and values cannot close the data script or inject markup", () => {
  const { run } = syntheticFailingRun(20);
  const evil = `</script><script>alert(1)</script><img src=x onerror=alert(2)>`;
  const first = run.history!.operations[0]!;
  first.request = { kind: "put", put: { key: evil, value: evil } };
  run.checks[0]!.message = evil;
  run.scenario = evil;
  const html = renderRunHtml(run);
  assert.is(count(html, /<script/g), 2, "only the data and the page script");
  assert.not.ok(html.includes("<img"));
  const data = embedded(html);
  assert.is(data.ops[first.id].request.put.key, evil, "the data keeps the value intact");
  assert.is(data.meta.scenario, evil);
});

test("a history larger than the cap draws at most the cap, keeps the failure and says so", () => {
  const { run, staleReadId } = syntheticFailingRun(12_000);
  const html = renderRunHtml(run);
  const drawn = count(html, /<rect class="op /g);
  assert.ok(drawn <= 5000, `drawn ${drawn}`);
  assert.ok(drawn >= 4900, `drawn ${drawn}`);
  assert.match(html, /id="ops-cap-note">Drawing [\d,]+ of 12,000 operations \(those called nearest the failure\)/);
  assert.match(html, new RegExp(`class="op ok lin-stuck lin-focus" data-op="${staleReadId}"`));
  assert.ok(html.length < 5_000_000, `size ${html.length}`);
});

test("a small history is drawn whole, one bar per operation", () => {
  const { run } = syntheticFailingRun(120);
  const html = renderRunHtml(run);
  assert.is(count(html, /<rect class="op /g), 120);
  assert.not.ok(html.includes("ops-cap-note"));
  assert.is(Object.keys(embedded(html).ops).length, 120);
});

test("a long run whose later watches were judged and not kept: their violations have no row, the evidence says so", () => {
  const { run } = syntheticFailingRun(20);
  const watch = run.checks.find((c) => c.name === "watch")!;
  const ev = watch.evidence as WatchEvidence;
  // The faulted watch (index 1) is past the records kept: 300 copies of watch 0 are (more than are drawn).
  const first = run.history!.watches[0]!;
  run.history!.watches.splice(0, Infinity, ...Array.from({ length: 300 }, () => first));
  for (const v of ev.violations) v.watch = 300;
  ev.watches = 301;
  ev.unkeptWatches = 1;
  const html = renderRunHtml(run);
  assert.match(html, /Watch streams \(300\)/);
  assert.match(html, /Drawing 60 of 300 watches/);
  assert.match(html, /The last 1 watches were judged as they ended and not kept/);
});

test("a run without history, timeline or extra still renders its checks and faults", () => {
  const { run } = syntheticFailingRun(10);
  delete run.history;
  delete run.timeline;
  delete run.extra;
  delete run.faultLog;
  const html = renderRunHtml(run);
  assert.match(html, /No client operations were recorded/);
  assert.match(html, /Scheduled times: this run kept no log of applied faults/);
  assert.is(count(html, /<tr class="check /g), run.checks.length);
  assert.is(count(html, /<g class="fault /g), run.faults.length);
});

test("a member's role holds until its next sample; etcd-io/raft role names are understood", () => {
  const segs = segments(
    [
      { time: 0, member: "n2", role: "StateFollower", term: 1 },
      { time: 10, member: "n1", role: "StatePreCandidate", term: 1 },
      { time: 20, member: "n1", role: "StateLeader", term: 2 },
      { time: 30, member: "n1", role: "leader", term: 2, commitIndex: 7 },
      { time: 40, member: "n1", role: "follower", term: 3 },
    ],
    100,
  );
  assert.equal([...segs.keys()], ["n1", "n2"]);
  assert.equal(
    segs.get("n1")!.map((g) => [g.role, g.term, g.start, g.end]),
    [
      ["pre-candidate", 1, 10, 20],
      ["leader", 2, 20, 40],
      ["follower", 3, 40, 100],
    ],
  );
  assert.is(segs.get("n1")![1]!.commitIndex, 7);
  assert.equal(
    segs.get("n2")!.map((g) => [g.role, g.start, g.end]),
    [["follower", 0, 100]],
  );
});

test("two leaders of one term at once are drawn as a conflict, of different terms not", () => {
  const { run } = syntheticFailingRun(20);
  assert.is(count(renderRunHtml(run), /class="leader m\d conflict"/g), 0);
  run.timeline!.push(
    { time: 850_000, member: "n3", role: "leader", term: 3 },
    { time: 950_000, member: "n3", role: "follower", term: 3 },
  );
  assert.is(count(renderRunHtml(run), /class="leader m\d conflict"/g), 2);
});

test("evidence from the etcd linearizability checker itself is drawn on the operations it names", () => {
  const { run } = syntheticFailingRun(120);
  const real = checkEtcdHistory(run.history!);
  assert.is(real.verdict, "fail", "the synthetic history holds a stale read");
  const evidence = real.evidence as IllegalEvidence;
  run.checks = run.checks.map((c) =>
    c.name === "linearizability" ? { name: real.name, verdict: real.verdict, message: real.message, evidence } : c,
  );
  const html = renderRunHtml(run);
  for (const s of evidence.stuck)
    assert.match(html, new RegExp(`class="op \\w+ lin-stuck( lin-focus)?" data-op="${s.op}"`));
  const placed = evidence.longestPrefix.filter((o) => o.op >= 0).length;
  assert.is(count(html, /class="op \w+ lin-prefix"/g), placed);
});

test("malformed Kubernetes objects are skipped and counted, not fatal", () => {
  const v = readKube({
    objects: [
      { kind: "Pod", name: "a", events: [{ time: 5, resourceVersion: 3, summary: "x" }, { time: "later" }] },
      { name: "no kind" },
      7,
    ],
  })!;
  assert.is(v.objects.length, 1);
  assert.is(v.objects[0]!.events.length, 1);
  assert.is(v.skipped, 3);
  assert.is(readKube({ items: [] }), undefined);
});

test("a membership run lists the operator's actions in order", () => {
  const { run } = syntheticFailingRun(10);
  run.extra = {
    membership: [
      { time: 172_000, step: 0, what: "addLearner n4: applied" },
      { time: 178_000, step: 0, what: "promote n4: learner-not-ready" },
      { time: 290_000, step: 0, what: "step done: n4 is a voter" },
    ],
  };
  const html = renderRunHtml(run);
  assert.match(html, /<section id="membership-section"><h2>Membership changes \(3\)<\/h2><table/);
  const rows = [...html.matchAll(/<tr class="mc-(\w+)">.*?<td class="mono">(.*?)<\/td><\/tr>/g)].map(
    (m) => `${m[1]} ${m[2]}`,
  );
  assert.equal(rows, [
    "applied addLearner n4: applied",
    "refused promote n4: learner-not-ready",
    "done step done: n4 is a voter",
  ]);
  assert.is(readMembership(undefined), undefined);
  delete run.extra;
  assert.not.ok(renderRunHtml(run).includes("membership-section"), "no section without a plan");
});

test("requests and responses read like etcd calls", () => {
  assert.is(
    describeRequest({
      kind: "txn",
      txn: {
        compare: [{ key: "a", target: "MOD", result: "EQUAL", modRevision: 3 }],
        success: [{ requestPut: { key: "a", value: "2" } }],
        failure: [{ requestRange: { key: "a" } }],
      },
    }),
    "txn if mod(a)=3 then put a=2 else get a",
  );
  assert.is(
    describeRequest({
      kind: "range",
      range: { key: "/registry/pods/", rangeEnd: "/registry/pods0", revision: 7, serializable: true },
    }),
    "get /registry/pods/*@7 (serializable)",
  );
  assert.is(showRange("a", "\0"), "a…");
  assert.is(describeResponse(null, "timeout", true), "? timeout");
  assert.is(describeResponse(null, "compacted", false), "✗ compacted");
});

test("interval packing puts overlapping items in separate lanes and open-ended ones keep theirs", () => {
  assert.equal(
    packLanes(
      [
        { start: 0, end: 5 },
        { start: 1, end: Infinity },
        { start: 6, end: 8 },
        { start: 7, end: 9 },
      ],
      6,
    ),
    [0, 1, 0, 2],
  );
  assert.equal(
    packLanes(
      [
        { start: 0, end: 9 },
        { start: 1, end: 9 },
        { start: 2, end: 9 },
      ],
      2,
    ),
    [0, 1, 1],
  );
});

test("the plot widens for many short operations, within bounds, and ticks stay round", () => {
  assert.is(chooseWidth(1000, []), MIN_PLOT_WIDTH);
  assert.is(chooseWidth(10_000_000, [1000, 1000, 2000]), MAX_PLOT_WIDTH);
  const w = chooseWidth(2_000_000, [2000, 3000, 4000]);
  assert.ok(w > MIN_PLOT_WIDTH && w < MAX_PLOT_WIDTH, String(w));
  const t = ticks(makeScale(0, 2_000_000, 1100, "us"));
  assert.equal(
    t.slice(0, 3).map((x) => x.label),
    ["0 ms", "200 ms", "400 ms"],
  );
});

test("a check report over a Porcupine-style history measures time in lines", () => {
  const ops = reportOperations(
    [
      { clientId: 0, call: 1, return: 2, input: "w1", output: "ok" },
      { clientId: 1, call: 3, return: Infinity, input: "w2", output: "?" },
    ],
    (i, o) => `${i} → ${o}`,
  );
  assert.equal(
    ops.map((o) => o.return),
    [2, null],
  );
  const html = renderCheckHtml({
    history: "h.log",
    format: "porcupine-etcd",
    checks: [{ name: "linearizability", verdict: "pass", message: "ok" }],
    operations: ops,
  });
  assert.match(html, /time = line number/);
  assert.is(count(html, /data-open-ended="true"/g), 1);
  assert.match(html, /class="verdict pass">PASS</);
});

test("the probe section lists every probe with this run's hits, the never-hit ones flagged when required", () => {
  const run = { ...syntheticFailingRun().run, probes: { "sim.swizzle-released": 3 } };
  const html = renderRunHtml(run);
  assert.match(html, /<tr class="probe" data-probe="sim.swizzle-released">.*?<td class="hits">3<\/td>/);
  assert.match(html, /<tr class="probe never" data-probe="etcd.request-too-large">/);
  assert.match(html, /Required probes never hit in this run:.*etcd\.request-too-large/);
  const without = renderRunHtml(syntheticFailingRun().run);
  assert.not.match(without, /probes-section/);
});

test.run();

import { test } from "uvu";
import * as assert from "uvu/assert";
import { applySite, pickSites, sitesIn } from "./sites.ts";

const SOURCE = [
  "export function commitTo(log, c) {",
  "    if (c <= log.committed)",
  "        return false;",
  '    assert(c <= log.last, "commit out of range");',
  '    raftProbe("raft.commit");',
  '    if (this.bugs.has("raft-commit-old-term") && c > 0)',
  "        return true;",
  "    log.committed = Math.max(log.committed, c + 1);",
  "    return true;",
  "}",
].join("\n");

test("comparisons, results, min/max and a +1 are sites; assertions, probes and mutant switches are not", () => {
  const sites = sitesIn("core/raft/log.js", SOURCE);
  assert.equal(
    sites.map((s) => `${s.line}:${s.operator}`),
    // Line 6 is a mutant's branch: a clean run never executes it, so coverage rules it out (see below).
    ["1:<= to <", "2:false to true", "6:true to false", "7:+ 1 dropped", "7:max to min", "8:true to false"],
  );
  assert.is(sites[0]!.mutated, "if (c < log.committed)");
  assert.is(sites[3]!.mutated, "log.committed = Math.max(log.committed, c);");
});

test("comments are not sites: a block comment's lines and a trailing comment, but not a // inside a string", () => {
  const source = [
    "/** conditions?.some(Ready and True) === true, without the callback. */",
    "/*",
    " * a < b when",
    " */",
    "if (c === undefined && !(i in conditions))",
    "    continue; // some() skips holes && more",
    'if (url === "http://x" && n > 0) // a || b',
  ].join("\n");
  assert.equal(
    sitesIn("core/kube/types.js", source).map((s) => `${s.line}:${s.operator}`),
    ["4:=== to !==", "4:&& to ||", "6:> to >=", "6:=== to !==", "6:&& to ||"],
  );
});

test("files no checker is meant to judge have no sites", () => {
  for (const f of [
    "core/bugs.js",
    "core/metrics/latency.js",
    "core/probes.js",
    "core/kube/examples/x.js",
    "sim/world.js",
  ])
    assert.equal(sitesIn(f, SOURCE), [], f);
});

test("only executed offsets are kept when coverage is given", () => {
  const lines = SOURCE.split("\n");
  const line7 = lines.slice(0, 7).join("\n").length + 1;
  const sites = sitesIn("core/raft/log.js", SOURCE, (o) => o >= line7 && o < line7 + lines[7]!.length);
  assert.equal(
    sites.map((s) => s.operator),
    ["+ 1 dropped", "max to min"],
  );
});

test("a site plants exactly its slip, and refuses a file whose line changed since", () => {
  const [site] = sitesIn("core/raft/log.js", SOURCE);
  const mutated = applySite(SOURCE, site!);
  assert.is(mutated.split("\n")[1], "    if (c < log.committed)");
  assert.equal(mutated.split("\n").slice(2), SOURCE.split("\n").slice(2));
  assert.throws(() => applySite(SOURCE.replace("c <= log.committed", "c <= log.applied"), site!), /no longer reads/);
});

test("the same seed draws the same mutants, another seed others, none twice", () => {
  const sites = Array.from({ length: 40 }, (_, i) => sitesIn("core/raft/log.js", SOURCE)[i % 5]!).map((s, i) => ({
    ...s,
    line: i,
  }));
  const a = pickSites(sites, 10, 1);
  assert.equal(a, pickSites(sites, 10, 1));
  assert.not.equal(a, pickSites(sites, 10, 2));
  assert.is(new Set(a.map((s) => s.line)).size, 10);
  assert.is(pickSites(sites, 100, 1).length, 40);
});

test.run();

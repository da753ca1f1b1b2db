// Every Raft code probe is reachable: each is hit by a transcript (testdata/*.txt, whose `probes` lines
// show which) or by the snapshot/conf-change race kept in the test kit. A probe nothing reaches is either
// dead code or a path the tests forgot.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { probeCounts, resetProbes } from "../probes.ts";
import { RAFT_PROBES } from "./probes.ts";
import { snapshotRacesConfChange } from "../../testing/raft/testkit.ts";
import { runTranscript } from "../../testing/raft/transcript.ts";

const dir = new URL("./testdata/", import.meta.url);

test("every Raft probe is hit by a transcript or the snapshot/conf-change race", () => {
  const hit = new Set<string>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".txt"))) {
    runTranscript(readFileSync(new URL(f, dir), "utf8"));
    for (const name of probeCounts().keys()) hit.add(name);
  }
  resetProbes();
  const t = snapshotRacesConfChange({});
  t.sync("n3");
  for (const name of probeCounts().keys()) hit.add(name);
  const missed = Object.keys(RAFT_PROBES).filter((name) => !hit.has(name));
  assert.equal(missed, [], `never hit: ${missed.join(", ")}`);
  assert.ok(Object.keys(RAFT_PROBES).length >= 12);
});

test("probes count and reset; a run without a rare path leaves its probe at zero", () => {
  runTranscript("nodes n1 n2 n3\n----\n\ncampaign n1\n----\n\nstabilize\n----\n");
  assert.not.ok(probeCounts().has("raft.snapshot-sent"), "no snapshot in a plain election");
  resetProbes();
  assert.is(probeCounts().size, 0);
});

test.run();

import { test } from "uvu";
import * as assert from "uvu/assert";
import { World } from "../sim/world.ts";
import { RaftSafetyMonitor } from "../checkers/raft/monitor.ts";
import { type CpuProfile, profileScenario, sampleShares } from "./seed-profile.ts";

test("the instrumented pass splits a seed into phases and leaves no wrapper behind for the next plain pass", () => {
  const before = [World.prototype.runUntil, World.prototype.runUntilPredicate, RaftSafetyMonitor.prototype.observe];
  const p = profileScenario("smoke", 2, { warmup: 0 })!;
  assert.ok(p.split.simulationMs > 0 && p.split.onlineMs > 0 && p.split.offlineMs > 0, JSON.stringify(p.split));
  assert.ok(p.events > 0 && p.simMs > 0);
  const after = [World.prototype.runUntil, World.prototype.runUntilPredicate, RaftSafetyMonitor.prototype.observe];
  assert.ok(
    after.every((f, i) => f === before[i]),
    "a run method or a monitor entry point is still wrapped",
  );
});

/** A profile of the given stacks (outermost first), one sample per stack. */
function profileOf(stacks: [fn: string, file: string][][]): CpuProfile {
  const nodes: CpuProfile["nodes"] = [{ id: 1, callFrame: { functionName: "(root)", url: "" }, children: [] }];
  const samples: number[] = [];
  for (const stack of stacks) {
    let at = nodes[0]!;
    for (const [functionName, url] of stack) {
      let next = at
        .children!.map((c) => nodes[c - 1]!)
        .find((n) => n.callFrame.functionName === functionName && n.callFrame.url === url);
      if (next === undefined) {
        next = { id: nodes.length + 1, callFrame: { functionName, url }, children: [] };
        nodes.push(next);
        at.children!.push(next.id);
      }
      at = next;
    }
    samples.push(at.id);
  }
  return { nodes, samples };
}

test("the online share counts samples under a monitor's entry point within a run, built or from source", () => {
  const run: [string, string] = ["runUntil", "file:///x/dist/sim/world.js"];
  const p = profileOf([
    [run, ["deliver", "file:///x/dist/sim/world.js"]],
    [run, ["emit", "file:///x/dist/harness/run/observers.js"], ["observe", "file:///x/dist/checkers/raft/monitor.js"]],
    [run, ["observe", "file:///x/checkers/raft/monitor.ts"], ["state", "file:///x/checkers/raft/monitor.ts"]],
    [run, ["onApply", "file:///x/dist/checkers/etcd/store-reference.js"]],
    // A function of the same name elsewhere is the simulation's (the Raft driver's observe).
    [run, ["observe", "file:///x/dist/core/raft/driver.js"]],
    // Outside any run: set-up or offline checking, whatever it calls.
    [["checkEtcdHistory", "file:///x/dist/checkers/linearizability/check-etcd.js"]],
    [["observe", "file:///x/dist/checkers/raft/monitor.js"]],
  ]);
  assert.equal(sampleShares(p), { inRun: 5, online: 3 });
});

test("the warm-up runs its seeds and then more until its wall time is spent", () => {
  const bySeeds = profileScenario("smoke", 1, { warmup: 2, split: false })!;
  assert.is(bySeeds.warmup, 2);
  const byTime = profileScenario("smoke", 1, { warmup: 1, warmupMs: 400, split: false })!;
  assert.ok(byTime.warmup > 1, `only ${byTime.warmup} warm-up seeds in 400 ms`);
});

test("an unknown scenario gives no profile", () => {
  assert.is(profileScenario("no-such-scenario", 1), undefined);
});

test.run();

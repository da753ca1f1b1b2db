import { test } from "uvu";
import * as assert from "uvu/assert";
import { clusterUnderLoad } from "./raft.ts";
import { stubClusterUnderLoad } from "./raft-stub.ts";

// The stub is a ceiling for the real cluster only if it makes the same events: compare them per simulated second.
test("the Raft stub makes as many events per simulated second as the real drivers under the same load", () => {
  for (const group of [1, 10]) {
    const real = clusterUnderLoad(5, group);
    const stub = stubClusterUnderLoad(5, group);
    const r = real.events / real.simSeconds;
    const s = stub.events / stub.simSeconds;
    assert.ok(
      Math.abs(s - r) / r < 0.1,
      `group ${group}: stub ${Math.round(s)} vs real ${Math.round(r)} events per simulated second`,
    );
    assert.is(real.committedPerNode, 5 * 1000, `group ${group}: every proposal committed on every node`);
  }
});

test.run();

// The liveness probe's lease and watch (probeLeaseAndWatch, on in lease-sessions and watch-compaction):
// after the heal a healed cluster must keep a lease alive and serve a watch from a revision up to a
// progress notification — what no safety check misses when it stops.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { findScenario } from "../registry.ts";
import { resolveRun, runScenario } from "../runner.ts";

const liveness = (r: ReturnType<typeof runScenario>) => r.checks.find((c) => c.name === "liveness")!;

for (const name of ["lease-sessions", "watch-compaction"]) {
  test(`${name}: the probe keeps its lease alive and hears a progress notification on its watch`, () => {
    const r = runScenario({ scenario: findScenario(name)!, seed: 1 });
    assert.is(liveness(r).verdict, "pass", liveness(r).message);
    assert.match(liveness(r).message, /served a probe write and read, keep-alive and watch \d+ms after heal/);
    // The probe's watch joined the history, judged like any other.
    const probeWatch = r.history!.watches.find((w) => w.client === 0 && w.request.key === "/probe");
    assert.ok(probeWatch !== undefined, "the probe's watch is in the history");
    assert.ok(probeWatch.responses.some((x) => x.response.events.length === 0 && x.response.created !== true));
  });
}

test("the probe waits for a progress notification: a bound shorter than its interval fails liveness, naming it", () => {
  const def = findScenario("smoke")!;
  const drawn = resolveRun(def, 1).options;
  const run = (probeLeaseAndWatch: boolean) => {
    const { options, faults } = resolveRun(def, 1, { ...drawn, probeLeaseAndWatch, livenessBoundUs: 400_000 });
    return liveness(runScenario({ scenario: def, seed: 1, options, faults }));
  };
  assert.is(run(false).verdict, "pass", run(false).message);
  const full = run(true);
  assert.is(full.verdict, "fail");
  assert.match(full.message, /probe watch saw its write at \d+, no progress notification yet/);
});

test.run();

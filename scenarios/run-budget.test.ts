// The per-run event budget: a run that exceeds it ends as inconclusive ("unknown", a run-budget check),
// never as a hang or a crash; any other throw is a crash of the simulator and propagates.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EventBudgetExceeded, Scheduler } from "../sim/scheduler.ts";
import { runScenario } from "./runner.ts";
import type { ScenarioDef } from "./types.ts";

function scenario(execute: ScenarioDef["execute"]): ScenarioDef {
  return { name: "budget-probe", description: "", resolve: () => ({}), schedule: () => [], execute };
}

test("a run past the scheduler's event budget is inconclusive, with a run-budget check", () => {
  const r = runScenario({
    scenario: scenario(() => {
      const s = new Scheduler(1000);
      const loop = () => {
        s.schedule(1, loop);
      };
      s.schedule(1, loop);
      s.runUntil(1e12); // would run forever
      throw new Error("unreachable");
    }),
    seed: 1,
  });
  assert.is(r.verdict, "unknown");
  assert.is(r.checks[0]!.name, "run-budget");
  assert.match(r.checks[0]!.message, /more than 1000 events/);
});

test("any other throw propagates (a crash of the simulator, not a verdict)", () => {
  assert.throws(
    () =>
      runScenario({
        scenario: scenario(() => {
          throw new Error("boom");
        }),
        seed: 1,
      }),
    /boom/,
  );
});

test("EventBudgetExceeded is what the scheduler throws", () => {
  const s = new Scheduler(2);
  for (let i = 0; i < 5; i++) s.schedule(i, () => {});
  assert.throws(
    () => s.runUntil(10),
    (e: unknown) => e instanceof EventBudgetExceeded,
  );
});

test.run();

// Kubernetes runs that failed a clean build once an option fuzz moved the operator's levers (kept as
// scenario files in fixtures/option-fuzz/): each failure was the testbed's; kept so the fix stays.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fileURLToPath } from "node:url";
import { loadScenario } from "../loader.ts";
import { runScenario } from "../runner.ts";

function run(name: string) {
  const l = loadScenario(fileURLToPath(new URL(`./fixtures/option-fuzz/${name}.json`, import.meta.url)));
  return runScenario({ scenario: l.def, seed: l.seed!, ...(l.options ? { options: l.options } : {}) });
}

test("container-crashes over 44 s: a pod whose container was killed again and again waits out an 8 s back-off, which a kill explains (kube-min-available)", () => {
  const r = run("container-crashes-long");
  const c = r.checks.find((x) => x.name === "kube-min-available")!;
  assert.is(c.verdict, "pass", c.message);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((x) => x.verdict !== "pass")));
});

test.run();

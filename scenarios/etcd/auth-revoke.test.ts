// The auth-revoke scenario: clean seeds pass with writes racing revokes (the apply-time re-check
// fires), the operator's plan lands in the replicated timeline, and the Kubernetes scenarios run with
// etcd auth on when asked.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { findScenario } from "../registry.ts";
import { runScenario } from "../runner.ts";
import { resolveRun } from "../runner.ts";
import type { AuthRevokeOptions } from "./auth-revoke.ts";

const scenario = findScenario("auth-revoke")!;

test("auth-revoke is registered and draws an operator plan that alternates revokes and grants", () => {
  assert.ok(scenario !== undefined);
  const o = resolveRun(scenario, 1).options as AuthRevokeOptions;
  assert.ok(o.authPlan.length >= 5);
  let granted = true;
  for (const s of o.authPlan) {
    if (s.change === "revoke-role") {
      assert.ok(granted);
      granted = false;
    }
    if (s.change === "grant-role") {
      assert.not.ok(granted);
      granted = true;
    }
  }
});

test("clean seeds pass; writes resolved before an auth change are refused at apply and proposed again", () => {
  let retried = 0;
  for (const seed of [1, 2, 3]) {
    const r = runScenario({ scenario, seed });
    assert.is(
      r.verdict,
      "pass",
      `seed ${seed}: ${r.checks
        .filter((c) => c.verdict !== "pass")
        .map((c) => c.message)
        .join("; ")}`,
    );
    const auth = r.checks.find((c) => c.name === "auth")!;
    assert.match(auth.message, /every one permitted/);
    retried += r.probes?.["auth.old-revision-retried"] ?? 0;
    const extra = r.extra as { auth: { changes: { authRevision: number }[] } };
    // Setup (users, roles, grants, enable) and then the plan: the auth revision only grows.
    const revs = extra.auth.changes.map((c) => c.authRevision);
    assert.equal(
      revs,
      [...revs].sort((a, b) => a - b),
    );
  }
  assert.ok(retried > 0, "no write ever raced an auth change");
});

test("a Kubernetes scenario with etcdAuth: the apiservers work as the only user with a role on /registry/", () => {
  const kube = findScenario("deployment-rollout")!;
  const seeded = resolveRun(kube, 1);
  const r = runScenario({
    scenario: kube,
    seed: 1,
    options: { ...seeded.options, etcdAuth: true },
    faults: seeded.faults,
  });
  assert.is(
    r.verdict,
    "pass",
    r.checks
      .filter((c) => c.verdict !== "pass")
      .map((c) => c.message)
      .join("; "),
  );
  const refused = (r.history?.operations ?? []).filter(
    (op) => op.error === "permission-denied" || op.error === "user-empty" || op.error === "invalid-auth-token",
  );
  assert.is(refused.length, 0);
});

test.run();

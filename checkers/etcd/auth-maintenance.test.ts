// auth-maintenance on hand-made runs: an alarm change or a defragment served to a principal without the
// root role, or an alarm list served to a client with no token, fails once its member surely had auth on;
// the same call before the enable, across a restart of its member, after an auth disable anywhere, by
// root, or refused passes.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AuthRequest } from "../../core/etcd/auth.ts";
import { checkAuthMaintenance, memberAuthOn, type MaintenanceCall, type MemberAuthApply } from "./auth-maintenance.ts";

const ENABLE: AuthRequest = { op: "authEnable" };
const DISABLE: AuthRequest = { op: "authDisable" };

const apply = (
  member: string,
  time: number,
  index: number,
  request: AuthRequest = ENABLE,
  changed = true,
): MemberAuthApply => ({
  member,
  time,
  index,
  request,
  changed,
});

const call = (over: Partial<MaintenanceCall> = {}): MaintenanceCall => ({
  client: 5,
  user: null,
  member: "n1",
  op: "alarmActivate",
  sentAt: 200,
  answeredAt: 300,
  outcome: "ok",
  ...over,
});

const run = (
  calls: MaintenanceCall[],
  applies: MemberAuthApply[] = [apply("n1", 100, 30)],
  restarts: { member: string; time: number }[] = [],
) => checkAuthMaintenance({ calls, applies, restarts, admins: new Set(["root"]) });

test("a tokenless alarm activation served by a member with auth on fails", () => {
  const r = run([call()]);
  assert.is(r.verdict, "fail");
  assert.match(r.message, /alarmActivate by client 5 \(no token\) was answered ok by n1 at 300us/);
});

test("an alarm disarm or a defragment served to a user without root fails; an alarm list by that user passes", () => {
  assert.is(run([call({ user: "nobody", op: "alarmDisarm" })]).verdict, "fail");
  assert.is(run([call({ user: "nobody", op: "defragment" })]).verdict, "fail");
  assert.is(run([call({ user: "nobody", op: "alarmList" })]).verdict, "pass");
  assert.is(run([call({ op: "alarmList" })]).verdict, "fail");
});

test("a membership change served to a user without root, or with no token, fails", () => {
  assert.is(run([call({ op: "memberRemove" })]).verdict, "fail");
  assert.is(run([call({ user: "nobody", op: "memberAddLearner" })]).verdict, "fail");
  assert.is(run([call({ user: "root", op: "memberRemove" })]).verdict, "pass");
});

test("root's calls, refusals, unanswered calls and status are not violations", () => {
  const r = run([
    call({ user: "root" }),
    call({ outcome: "refused" }),
    call({ outcome: "unknown", answeredAt: Infinity }),
    call({ op: "status" }),
  ]);
  assert.is(r.verdict, "pass");
  assert.match(r.message, /^2 Maintenance calls/);
});

test("a call sent before its member applied the enable, or to another member, is not judged", () => {
  assert.is(run([call({ sentAt: 50 })]).verdict, "pass");
  assert.is(run([call({ member: "n2" })]).verdict, "pass");
  assert.is(run([call()], [apply("n1", 100, 30, ENABLE, false)]).verdict, "pass");
});

test("a member restarted after the enable is not judged until it applies an enable again", () => {
  assert.is(run([call()], undefined, [{ member: "n1", time: 150 }]).verdict, "pass");
  assert.is(run([call()], undefined, [{ member: "n1", time: 250 }]).verdict, "pass");
  assert.is(run([call()], undefined, [{ member: "n2", time: 150 }]).verdict, "fail");
  assert.is(
    run(
      [call({ sentAt: 500, answeredAt: 600 })],
      [apply("n1", 100, 30), apply("n1", 400, 30)],
      [{ member: "n1", time: 150 }],
    ).verdict,
    "fail",
  );
});

test("an auth disable applied anywhere before the answer ends the judgement; a refused disable does not", () => {
  assert.is(run([call()], [apply("n1", 100, 30), apply("n2", 250, 40, DISABLE)]).verdict, "pass");
  assert.is(run([call()], [apply("n1", 100, 30), apply("n2", 350, 40, DISABLE)]).verdict, "fail");
  assert.is(run([call()], [apply("n1", 100, 30), apply("n2", 250, 40, DISABLE, false)]).verdict, "fail");
  // A later enable re-opens the judgement.
  assert.is(
    run(
      [call({ sentAt: 500, answeredAt: 600 })],
      [apply("n1", 100, 30), apply("n2", 250, 40, DISABLE), apply("n1", 400, 50)],
    ).verdict,
    "fail",
  );
});

test("memberAuthOn answers per member and per interval", () => {
  const on = memberAuthOn([apply("n1", 100, 30), apply("n2", 300, 40, DISABLE)], [{ member: "n1", time: 500 }]);
  assert.ok(on("n1", 150, 250));
  assert.not.ok(on("n1", 50, 250), "sent before the enable");
  assert.not.ok(on("n2", 150, 250), "n2 never applied the enable");
  assert.not.ok(on("n1", 150, 350), "a disable was applied before the answer");
});

test.run();

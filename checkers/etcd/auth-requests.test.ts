// auth-requests on hand-made runs: a success applied in its window, a timeout applied later and a refusal
// never applied pass; an entry whose every call was refused, one applied before it was asked for, and a
// success no member applied fail.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { applyAuth, emptyAuthState, type AuthRequest } from "../../core/etcd/auth.ts";
import { checkAuthRequests, type AppliedAuthRequest, type AuthCall } from "./auth-requests.ts";

const REVOKE: AuthRequest = { op: "userRevokeRole", name: "agent", role: "node" };
const GRANT: AuthRequest = { op: "userGrantRole", user: "agent", role: "node" };

const call = (request: AuthRequest, at: number, ret: number, outcome: AuthCall["outcome"]): AuthCall => ({
  request,
  call: at,
  return: ret,
  outcome,
});

/** The entry as each of three members applied it, the first at `time`. */
const applied = (request: AuthRequest, index: number, time: number, changed = true): AppliedAuthRequest[] =>
  ["n1", "n2", "n3"].map((member, i) => ({ member, index, time: time + i * 10, request, changed }));

test("a success applied during its call, a timeout applied after it and a refusal never applied pass", () => {
  const r = checkAuthRequests({
    calls: [call(REVOKE, 100, 200, "ok"), call(GRANT, 300, 400, "unknown"), call(REVOKE, 500, 520, "refused")],
    applied: [...applied(REVOKE, 10, 150), ...applied(GRANT, 11, 900)],
  });
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /^3 admin calls \(1 succeeded\) and 2 admin entries applied/);
});

test("an entry applied though every call of it was refused fails", () => {
  const r = checkAuthRequests({
    calls: [call(REVOKE, 100, 120, "refused"), call(REVOKE, 200, 220, "refused")],
    applied: applied(REVOKE, 10, 150),
  });
  assert.is(r.verdict, "fail");
  assert.match(r.message, /applied at index 10 \(150us\) though no call of it succeeded or may have: refused/);
});

test("an entry the auth store refused at apply promises nothing: its call's refusal stands", () => {
  const r = checkAuthRequests({ calls: [call(REVOKE, 100, 200, "refused")], applied: applied(REVOKE, 10, 150, false) });
  assert.is(r.verdict, "pass", r.message);
});

test("an entry applied before any call of it, or after the call that succeeded returned, fails", () => {
  assert.is(
    checkAuthRequests({ calls: [call(REVOKE, 100, 200, "unknown")], applied: applied(REVOKE, 10, 50) }).verdict,
    "fail",
  );
  const late = checkAuthRequests({ calls: [call(REVOKE, 100, 200, "ok")], applied: applied(REVOKE, 10, 250) });
  assert.is(late.verdict, "fail");
  // Both halves: the entry matches no call, and the success saw no apply.
  assert.is(late.evidence?.violations.length, 2);
});

test("a success no member applied fails; a different request applied meanwhile does not stand in", () => {
  const r = checkAuthRequests({ calls: [call(REVOKE, 100, 200, "ok")], applied: [] });
  assert.is(r.verdict, "fail");
  assert.match(r.message, /succeeded \[100, 200\]us but no member applied it meanwhile/);
  assert.is(
    checkAuthRequests({
      calls: [call(REVOKE, 100, 200, "ok"), call(GRANT, 90, 300, "unknown")],
      applied: applied(GRANT, 10, 150),
    }).verdict,
    "fail",
  );
});

test("logins are not judged", () => {
  const login: AuthRequest = { op: "authenticate", name: "root", password: "pw" };
  const r = checkAuthRequests({ calls: [call(login, 100, 200, "refused")], applied: applied(login, 10, 150) });
  assert.is(r.verdict, "pass");
});

test("a login answered with a token must carry the password some state applied by then gives its user", () => {
  const withRoot = applyAuth(emptyAuthState(), { op: "userAdd", name: "root", password: "pw1" }, "root").state;
  const changed = applyAuth(withRoot, { op: "userChangePassword", name: "root", password: "pw2" }, "root").state;
  const states = [
    { time: 100, state: withRoot },
    { time: 300, state: changed },
  ];
  const login = (password: string, at: number, outcome: AuthCall["outcome"] = "ok") =>
    call({ op: "authenticate", name: "root", password }, at, at + 20, outcome);
  const judge = (c: AuthCall) => checkAuthRequests({ calls: [c], applied: [], states });
  assert.is(judge(login("pw1", 200)).verdict, "pass");
  assert.is(judge(login("pw1", 400)).verdict, "pass", "a lagging member may still hold the old password");
  assert.is(judge(login("pw2", 200)).verdict, "fail", "the new password was not applied anywhere yet");
  const guess = judge(login("letmein", 400));
  assert.is(guess.verdict, "fail");
  assert.match(
    guess.message,
    /authenticate as root succeeded \[400, 420\]us with a password that no auth state applied by then gives root/,
  );
  assert.is(judge(login("letmein", 400, "refused")).verdict, "pass");
  assert.match(judge(login("pw1", 200)).message, /1 logins judged, each with its user's password/);
});

test.run();

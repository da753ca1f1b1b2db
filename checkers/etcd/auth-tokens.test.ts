// auth-tokens on hand-made runs: a token served after its member applied the user's password change,
// deletion or an auth disable fails; the same token on a member that never applied the change (it learnt
// of it from a snapshot, as etcd's members do), a token issued after the change, or a send before the
// member applied it pass.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EtcdOperation } from "../../core/history.ts";
import type { AuthRequest } from "../../core/etcd/auth.ts";
import { checkAuthTokens, tokenIndex, type ServedRequest, type TokenAuthApply } from "./auth-tokens.ts";

const AGENT = 2;
const PRINCIPALS = new Map<number, string | null>([
  [AGENT, "agent"],
  [3, null],
]);
const CHANGE_PW: AuthRequest = { op: "userChangePassword", name: "agent", password: "pw" };

function put(id: number, client = AGENT): EtcdOperation {
  return {
    id,
    client,
    call: 0,
    return: 1,
    request: { kind: "put", put: { key: "/a", value: `v${id}` } },
    response: { kind: "put", put: { header: { revision: id + 1 } } },
  } as EtcdOperation;
}

const apply = (
  member: string,
  time: number,
  index: number,
  request: AuthRequest = CHANGE_PW,
  changed = true,
): TokenAuthApply => ({
  member,
  time,
  index,
  request,
  changed,
});

const served = (member: string, sentAt: number, token: string | undefined, id = 1, client = AGENT): ServedRequest => ({
  op: put(id, client),
  member,
  token,
  sentAt,
});

const verdict = (applies: TokenAuthApply[], s: ServedRequest[]) =>
  checkAuthTokens({ principals: PRINCIPALS, applies, served: s }).verdict;

test("a token served by a member after it applied the user's password change fails", () => {
  const r = checkAuthTokens({
    principals: PRINCIPALS,
    applies: [apply("n1", 100, 40)],
    served: [served("n1", 150, "abcdefghijklmnop.23")],
  });
  assert.is(r.verdict, "fail");
  assert.match(r.message, /served by n1 .* index 23, after n1 applied userChangePassword of agent at index 40/);
  assert.is(r.evidence?.violations.length, 1);
});

test("a member that never applied the change (it installed a snapshot) may serve the old token", () => {
  assert.is(verdict([apply("n1", 100, 40)], [served("n2", 150, "abcdefghijklmnop.23")]), "pass");
});

test("a token issued after the change, or a request sent before the member applied it, passes", () => {
  assert.is(verdict([apply("n1", 100, 40)], [served("n1", 150, "abcdefghijklmnop.41")]), "pass");
  assert.is(verdict([apply("n1", 100, 40)], [served("n1", 90, "abcdefghijklmnop.23")]), "pass");
});

test("a user's deletion and an auth disable void the token; a refused change and another user's do not", () => {
  const t = "abcdefghijklmnop.23";
  assert.is(verdict([apply("n1", 100, 40, { op: "userDelete", name: "agent" })], [served("n1", 150, t)]), "fail");
  assert.is(verdict([apply("n1", 100, 40, { op: "authDisable" })], [served("n1", 150, t)]), "fail");
  assert.is(verdict([apply("n1", 100, 40, CHANGE_PW, false)], [served("n1", 150, t)]), "pass");
  assert.is(
    verdict([apply("n1", 100, 40, { op: "userChangePassword", name: "other", password: "x" })], [served("n1", 150, t)]),
    "pass",
  );
});

test("requests without a token, and clients that are not principals, are not judged", () => {
  const r = checkAuthTokens({
    principals: PRINCIPALS,
    applies: [apply("n1", 100, 40)],
    served: [
      served("n1", 150, undefined),
      served("n1", 150, "abcdefghijklmnop.23", 2, 3),
      served("n1", 150, "x.1", 3, 9),
    ],
  });
  assert.is(r.verdict, "pass");
  assert.match(r.message, /^0 requests served with a token/);
});

test("a simple token names the Raft index of its Authenticate", () => {
  assert.is(tokenIndex("abcdefghijklmnop.23"), 23);
  assert.is(tokenIndex("abcdefghijklmnop"), undefined);
  assert.is(tokenIndex("abc.x"), undefined);
  assert.is(tokenIndex("abc.0"), undefined);
});

test.run();

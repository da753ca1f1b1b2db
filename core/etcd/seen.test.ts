// A member's memory of the requests it took: the same as one set of "<client>/<kind><n>" and forward-id
// strings with the oldest forgotten first, checked against that reference on a random mix.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type ClientRequestKind, SeenRequests } from "./seen.ts";

/** Whether the request was taken before (the message kept with it is another test's). */
const taken = (s: SeenRequests, from: string, kind: ClientRequestKind, id: number) =>
  s.client(from, kind, id, { from, kind, id }) !== undefined;

test("a request is a duplicate once taken; kinds, clients and forwards are apart", () => {
  const s = new SeenRequests(100);
  assert.is(taken(s, "c1", "kv", 1), false);
  assert.is(taken(s, "c1", "kv", 1), true);
  assert.is(taken(s, "c1", "member", 1), false);
  assert.is(taken(s, "c1", "auth", 1), false);
  assert.is(taken(s, "c2", "kv", 1), false);
  assert.is(s.forward("n1/x/1"), false);
  assert.is(s.forward("n1/x/1"), true);
  assert.is(s.size, 5);
});

test("past capacity the oldest is forgotten first, across kinds (as one string set would)", () => {
  const cap = 7;
  const s = new SeenRequests(cap);
  const refSet = new Set<string>();
  const refOrder: string[] = [];
  const ref = (key: string): boolean => {
    if (refSet.has(key)) return true;
    refSet.add(key);
    refOrder.push(key);
    if (refOrder.length > cap) refSet.delete(refOrder.shift()!);
    return false;
  };
  const kinds: ClientRequestKind[] = ["kv", "member", "auth"];
  let x = 12345;
  const next = (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % n;
  };
  for (let i = 0; i < 3000; i++) {
    if (next(4) === 0) {
      const id = `n${next(2)}/z/${next(6)}`;
      assert.is(s.forward(id), ref(id), `forward ${id} at ${i}`);
    } else {
      const from = `c${next(2)}`;
      const kind = kinds[next(3)]!;
      const n = next(6);
      assert.is(taken(s, from, kind, n), ref(`${from}/${kind}${n}`), `${from} ${kind} ${n} at ${i}`);
    }
    assert.is(s.size, refOrder.length);
  }
});

test("a taken request keeps its message: a duplicate returns that very object, another number nothing", () => {
  const s = new SeenRequests(100);
  const first = { type: "KvRequest", reqId: 1 };
  assert.is(s.client("c1", "kv", 1, first), undefined);
  assert.is(s.client("c1", "kv", 1, first), first, "the network's copy is the same object");
  const reused = { type: "KvRequest", reqId: 1 };
  assert.is(s.client("c1", "kv", 1, reused), first, "a restarted client's request 1 meets the old one");
  assert.is(s.client("c1", "kv", 2, reused), undefined);
});

test.run();

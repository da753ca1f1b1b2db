// lease-keys on hand-made commits and TimeToLive answers: what it must accept and what it must reject.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Change } from "../../core/mvcc/key-history.ts";
import type { EtcdOperation } from "../history.ts";
import { LeaseKeys } from "./lease-keys.ts";

const put = (rev: number, lease: number) => new Change(rev, 0, rev, 1, "v", lease);
const tomb = (rev: number) => new Change(rev, 0, 0, 0, "", 0);

/** A TimeToLive of `id` answered at `revision` with `keys` (asked for them unless `asked` is false). */
function ttl(
  id: number,
  revision: number,
  keys: string[],
  opts: { asked?: boolean; TTL?: number } = {},
): EtcdOperation {
  return {
    id: revision,
    client: 1,
    call: 1_000,
    return: 2_000,
    request: { kind: "leaseTimeToLive", leaseTimeToLive: { ID: id, keys: opts.asked ?? true } },
    response: {
      kind: "leaseTimeToLive",
      leaseTimeToLive: { header: { revision, raftTerm: 1 }, ID: id, TTL: opts.TTL ?? 10, grantedTTL: 10, keys },
    },
  };
}

/** /a and /b put on lease 7 at revisions 2 and 3, /a put again without it at 4, /b deleted at 5. */
function history(): LeaseKeys {
  const l = new LeaseKeys();
  l.onCommit(2, ["/a"], [put(2, 7)]);
  l.onCommit(3, ["/b"], [put(3, 7)]);
  l.onCommit(4, ["/a"], [put(4, 0)]);
  l.onCommit(5, ["/b"], [tomb(5)]);
  return l;
}

test("a TimeToLive listing exactly the keys attached at its revision passes: a put without the lease and a delete detach", () => {
  const l = history();
  const r = l.result([
    ttl(7, 3, ["/b", "/a"]),
    ttl(7, 4, ["/b"]),
    ttl(7, 5, []),
    ttl(7, 3, [], { asked: false }),
    ttl(7, 9, [], { TTL: -1 }),
  ]);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /^5 TimeToLive answers/);
});

test("a TimeToLive listing a deleted key, or missing an attached one, or keys it was not asked for, fails", () => {
  const kept = history().result([ttl(7, 5, ["/b"])]);
  assert.is(kept.verdict, "fail");
  assert.match(
    kept.message,
    /lease 7: a TimeToLive answered at revision 5 .* listed keys \[\/b\], but the keys attached to it then were \[\]/,
  );
  assert.is(history().result([ttl(7, 3, ["/a"])]).verdict, "fail", "/b was attached at 3");
  assert.is(history().result([ttl(7, 3, ["/a", "/b"], { asked: false })]).verdict, "fail", "keys it was not asked for");
});

test("a key moved from one lease to another is detached from the first", () => {
  const l = new LeaseKeys();
  l.onCommit(2, ["/a"], [put(2, 7)]);
  l.onCommit(3, ["/a"], [put(3, 8)]);
  assert.equal(l.attachedAt(7, 3), []);
  assert.equal(l.attachedAt(8, 3), ["/a"]);
  assert.equal(l.attachedAt(7, 2), ["/a"]);
  assert.is(l.result([ttl(7, 3, ["/a"])]).verdict, "fail");
});

test.run();

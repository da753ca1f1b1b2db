// etcd's Cluster service on the members (learner, promote, remove, with etcd's readiness and strict
// reconfiguration checks) and what a removed member does, over the simulated network.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { World } from "../../sim/world.ts";
import { EtcdMember } from "./member.ts";
import type { ClientMessage, MemberChange, MemberMessage } from "./protocol.ts";

type MemberResponse = Extract<MemberMessage, { type: "MemberResponse" }>;

/** n1..n3 voting, n4 and n5 started outside the configuration, and an admin process to talk to them. */
function cluster(seed = 3) {
  const world = new World({ seed });
  const voters = ["n1", "n2", "n3"];
  for (const id of [...voters, "n4", "n5"]) world.spawn(id, (env) => new EtcdMember(env, { peers: voters }));
  const replies = new Map<number, MemberResponse>();
  world.spawn("admin", () => ({
    onMessage: (_from, m) => void replies.set((m as MemberResponse).reqId, m as MemberResponse),
  }));
  const member = (id: string) => world.process(id).actor as EtcdMember;
  const leader = () => {
    assert.ok(
      world.runUntilPredicate(
        () => voters.some((v) => world.process(v).status === "up" && member(v).driver.status().role === "leader"),
        world.now + 3_000_000,
      ),
      "a leader",
    );
    return [...voters, "n4", "n5"].find(
      (v) => world.process(v).status === "up" && member(v).driver.status().role === "leader",
    )!;
  };
  let reqId = 0;
  const ask = (
    msg: (id: number) => Extract<ClientMessage, { type: "MemberRequest" | "MemberList" }>,
  ): MemberResponse => {
    const id = ++reqId;
    world.process("admin").env!.send(leader(), msg(id));
    assert.ok(
      world.runUntilPredicate(() => replies.has(id), world.now + 2_000_000),
      "an answer",
    );
    return replies.get(id)!;
  };
  const change = (c: MemberChange) => ask((id) => ({ type: "MemberRequest", reqId: id, change: c }));
  /** A KV request sent to one member (not the leader): its answer. */
  const kv = (to: string, request: Extract<ClientMessage, { type: "KvRequest" }>["request"]) => {
    const id = ++reqId;
    world.process("admin").env!.send(to, { type: "KvRequest", reqId: id, request } satisfies ClientMessage);
    assert.ok(
      world.runUntilPredicate(() => replies.has(id), world.now + 2_000_000),
      "an answer",
    );
    return replies.get(id) as unknown as Extract<MemberMessage, { type: "KvResponse" }>;
  };
  const list = () => ask((id) => ({ type: "MemberList", reqId: id }));
  const cut = (a: string, b: string) => {
    world.network.faults.cut(a, b);
    world.network.faults.cut(b, a);
  };
  leader();
  return { world, member, leader, change, list, cut, kv };
}

test("a spare joins as a learner and is promoted only once its log has caught up", () => {
  const t = cluster();
  const l = t.leader();
  for (const v of ["n1", "n2", "n3"]) t.cut(v, "n4"); // n4 can catch up from nobody yet
  assert.equal(t.change({ op: "addLearner", id: "n4" }), { type: "MemberResponse", reqId: 1 });
  assert.equal(t.list().learners, ["n4"]);
  assert.is(t.change({ op: "promote", id: "n4" }).error, "learner-not-ready");
  t.world.network.faults.clear();
  t.world.runUntil(t.world.now + 500_000);
  assert.is(t.change({ op: "promote", id: "n4" }).error, undefined);
  t.world.runUntil(t.world.now + 200_000);
  for (const id of ["n1", "n2", "n3", "n4"])
    assert.equal(t.member(id).driver.status().voters, ["n1", "n2", "n3", "n4"], id);
  assert.is(t.change({ op: "addLearner", id: "n4" }).error, "invalid", "already a member");
  assert.is(t.leader(), l);
});

test("a learner serves its clients serializable reads only, as etcd does; once promoted, everything", () => {
  const t = cluster();
  assert.is(t.change({ op: "addLearner", id: "n4" }).error, undefined);
  t.world.runUntil(t.world.now + 300_000);
  assert.is(t.kv("n4", { kind: "put", put: { key: "a", value: "1" } }).error, "not-supported-for-learner");
  assert.is(
    t.kv("n4", { kind: "range", range: { key: "a" } }).error,
    "not-supported-for-learner",
    "a linearizable read too",
  );
  assert.is(t.kv("n4", { kind: "range", range: { key: "a", serializable: true } }).error, undefined);
  assert.is(t.change({ op: "promote", id: "n4" }).error, undefined);
  t.world.runUntil(t.world.now + 300_000);
  assert.is(t.kv("n4", { kind: "put", put: { key: "a", value: "2" } }).error, undefined);
});

test("a removal that would leave too few active voters is refused (strict reconfiguration), then allowed", () => {
  const t = cluster();
  const l = t.leader();
  const [a, b] = ["n1", "n2", "n3"].filter((v) => v !== l);
  t.world.crash(a!);
  t.world.runUntil(t.world.now + 300_000); // past an election timeout: the leader no longer counts it active
  assert.is(t.change({ op: "remove", id: b! }).error, "unhealthy", `removing ${b} leaves ${l} and the crashed ${a}`);
  t.world.restart(a!);
  t.world.runUntil(t.world.now + 300_000);
  assert.is(t.change({ op: "remove", id: b! }).error, undefined);
});

test("a removed member stops serving, and stays stopped after a restart", () => {
  const t = cluster();
  const l = t.leader();
  const gone = ["n1", "n2", "n3"].find((v) => v !== l)!;
  assert.is(t.change({ op: "remove", id: gone }).error, undefined);
  t.world.runUntil(t.world.now + 500_000);
  assert.ok(t.member(gone).isRemoved, "it stopped after applying its own removal");
  t.world.crash(gone);
  t.world.restart(gone);
  assert.ok(t.member(gone).isRemoved, "the marker on its disk keeps it stopped");
  const term = t.member(gone).driver.status().term;
  t.world.runUntil(t.world.now + 1_000_000);
  assert.is(t.member(gone).driver.status().term, term, "it never campaigns");
  assert.equal(
    t.list().voters,
    ["n1", "n2", "n3"].filter((v) => v !== gone),
  );
});

test("a removed member's ID is never added again (etcd's ErrIDRemoved), not even after the leader changes", () => {
  const t = cluster();
  const l = t.leader();
  const gone = ["n1", "n2", "n3"].find((v) => v !== l)!;
  assert.is(t.change({ op: "remove", id: gone }).error, undefined);
  t.world.runUntil(t.world.now + 500_000);
  assert.is(t.change({ op: "addLearner", id: gone }).error, "id-removed");
  assert.is(t.change({ op: "addLearner", id: "n4" }).error, undefined, "a new ID is welcome");
  t.world.runUntil(t.world.now + 500_000);
  assert.is(t.change({ op: "promote", id: "n4" }).error, undefined);
  t.world.runUntil(t.world.now + 300_000);
  t.world.crash(l);
  t.world.runUntil(t.world.now + 1_000_000);
  assert.is.not(t.leader(), l, "another member leads");
  assert.is(t.change({ op: "addLearner", id: gone }).error, "id-removed", "the new leader knows it too");
});

test("a member cut off while it was removed learns it from a peer when it comes back, and stops", () => {
  const t = cluster();
  const l = t.leader();
  const gone = ["n1", "n2", "n3"].find((v) => v !== l)!;
  for (const v of ["n1", "n2", "n3"]) if (v !== gone) t.cut(v, gone);
  assert.is(t.change({ op: "remove", id: gone }).error, undefined);
  t.world.runUntil(t.world.now + 300_000);
  assert.not.ok(t.member(gone).isRemoved, "it has not heard of its removal");
  assert.ok(t.member(gone).driver.status().voters.includes(gone));
  t.world.network.faults.clear();
  // Nobody replicates to it any more; its next campaign reaches members that know it was removed.
  assert.ok(
    t.world.runUntilPredicate(() => t.member(gone).isRemoved, t.world.now + 2_000_000),
    "told it was removed",
  );
});

test("a copy of a request taken before the member's removal is dropped, not refused as if it had no effect", () => {
  const t = cluster();
  const l = t.leader();
  const gone = ["n1", "n2", "n3"].find((v) => v !== l)!;
  const answers: Extract<MemberMessage, { type: "KvResponse" }>[] = [];
  t.world.spawn("c9", () => ({
    onMessage: (_from, m) => void answers.push(m as Extract<MemberMessage, { type: "KvResponse" }>),
  }));
  const put = {
    type: "KvRequest",
    reqId: 7,
    request: { kind: "put", put: { key: "/k", value: "once" } },
  } satisfies ClientMessage;
  t.world.process("c9").env!.send(gone, put);
  assert.ok(
    t.world.runUntilPredicate(() => answers.length === 1, t.world.now + 2_000_000),
    "answered",
  );
  assert.ok(answers[0]!.response !== undefined, "the put was applied (forwarded to the leader)");
  assert.is(t.change({ op: "remove", id: gone }).error, undefined);
  t.world.runUntil(t.world.now + 500_000);
  assert.ok(t.member(gone).isRemoved);
  // The network delivers the same request again (a duplicate): TCP would never have; it must not be answered.
  t.world.process("c9").env!.send(gone, put);
  // A new request is refused at once: nothing of it was proposed.
  t.world.process("c9").env!.send(gone, { ...put, reqId: 8 });
  t.world.runUntil(t.world.now + 200_000);
  assert.equal(
    answers.slice(1).map((a) => [a.reqId, a.error]),
    [[8, "not-leader"]],
  );
});

test.run();

// RaftNode.nextReady(): one Ready per node, refilled, and the advanced Ready's message array reused — the
// same contents, Ready by Ready, as ready() hands out.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Rng } from "../../sim/rng.ts";
import { RaftNode } from "./node.ts";
import type { Message, Ready } from "./types.ts";

const IDS = ["n1", "n2", "n3"];

/** What a Ready says, copied out (a reused Ready is refilled by the next call). */
function contents(rd: Ready): unknown {
  return {
    softState: rd.softState,
    hardState: rd.hardState,
    snapshot: rd.snapshot,
    entries: [...rd.entries],
    committedEntries: [...rd.committedEntries],
    messages: [...rd.messages],
    messagesBeforeSync: [...rd.messagesBeforeSync],
    readStates: [...rd.readStates],
    mustSync: rd.mustSync,
  };
}

/** A 3-node cluster run by a fixed script; `reuse` picks nextReady() over ready(). Returns every Ready's contents. */
function run(reuse: boolean): { readys: unknown[]; objects: Set<Ready>; arrays: Set<readonly Message[]> } {
  const nodes = new Map(IDS.map((id) => [id, new RaftNode({ id, peers: IDS, rng: new Rng(`t/${id}`) })]));
  const readys: unknown[] = [];
  const objects = new Set<Ready>();
  const arrays = new Set<readonly Message[]>();
  const wire: Message[] = [];
  const drain = (): void => {
    for (let round = 0; round < 50; round++) {
      for (const n of nodes.values()) {
        while (n.hasReady()) {
          const rd = reuse ? n.nextReady() : n.ready();
          objects.add(rd);
          if (rd.messages.length > 0) arrays.add(rd.messages);
          readys.push(contents(rd));
          wire.push(...rd.messages);
          n.advance(rd);
        }
      }
      if (wire.length === 0) return;
      for (const m of wire.splice(0)) nodes.get(m.to)?.step(m);
    }
  };
  nodes.get("n1")!.campaign();
  drain();
  for (let i = 0; i < 20; i++) {
    nodes.get("n1")!.propose(`v${i}`);
    if (i % 3 === 0) for (const n of nodes.values()) n.tick();
    drain();
  }
  return { readys, objects, arrays };
}

test("nextReady() hands out what ready() does, Ready by Ready, through one object and few arrays", () => {
  const fresh = run(false);
  const reused = run(true);
  assert.ok(fresh.readys.length > 50);
  assert.equal(reused.readys, fresh.readys);
  assert.is(reused.objects.size, IDS.length, "one Ready object per node");
  assert.is(fresh.objects.size, fresh.readys.length);
  assert.ok(reused.arrays.size < fresh.arrays.size / 4, "message arrays are reused");
});

test("a message queued while a nextReady() Ready is in flight goes to a new array, not the one being sent", () => {
  const n = new RaftNode({ id: "n1", peers: IDS, rng: new Rng("t/n1") });
  n.campaign();
  const rd = n.nextReady();
  const sent = [...rd.messages];
  assert.ok(sent.length > 0);
  // A pre-vote request of a later term, answered while the Ready is in flight.
  n.step({
    type: "MsgPreVote",
    from: "n2",
    to: "n1",
    term: n.term + 1,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
  });
  assert.equal([...rd.messages], sent, "the Ready in flight keeps its messages");
  n.advance(rd);
  const next = n.nextReady();
  assert.is(next, rd);
  assert.ok(next.messages.length > 0 && next.messages.every((m) => !sent.includes(m)));
});

test.run();

// A restarted client process must be served from its first request. Members drop a request whose
// (sender, request id) they have seen — the simulated network may duplicate a message, a TCP stream
// would not — so a new incarnation that numbered its requests from 1 again had them dropped, silently,
// until its ids passed the old incarnation's (deployment-rollout seed 1134: a rebooted kubelet's pod
// list timed out for 3.4 s after the heal, through its apiserver's restarted etcd client, and its pods
// turned unready long after every fault). Each incarnation gets its own client id, and request ids
// come from that id's range.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { World } from "../../sim/world.ts";
import { EtcdClient, HistoryRecorder } from "./client.ts";
import { EtcdMember } from "./member.ts";

/** One member and client process c1 whose every incarnation gets a new client, with a new id (like the Kubernetes cluster's processes); a leader is elected. */
function oneMemberAndRestartableClient(seed: number): { world: World; client: () => EtcdClient } {
  const world = new World({ seed });
  const members = ["n1"];
  world.spawn("n1", (env) => new EtcdMember(env, { peers: members }));
  const recorder = new HistoryRecorder(() => world.now);
  let clientId = 1;
  let client: EtcdClient | undefined;
  world.spawn("c1", (env) => {
    client = new EtcdClient(env, {
      clientId: clientId++,
      members,
      requestTimeoutUs: 500_000,
      streamTimeoutUs: 1_000_000,
      recorder,
    });
    return { onMessage: (from, msg) => void client?.onMessage(from, msg) };
  });
  world.runUntil(1_000_000);
  return { world, client: () => client! };
}

test("a restarted client's requests are answered although its previous incarnation sent as many", () => {
  const { world, client } = oneMemberAndRestartableClient(11);
  const puts = (n: number) => {
    let ok = 0;
    let done = 0;
    for (let i = 0; i < n; i++)
      client().put({ key: `k${i}`, value: "v" }, (r) => {
        done++;
        if (r.ok) ok++;
      });
    world.runUntilPredicate(() => done === n, world.now + 2_000_000);
    return ok;
  };
  assert.is(puts(5), 5, "the first incarnation's puts");
  world.crash("c1");
  world.restart("c1");
  world.runUntil(world.now + 10_000);
  assert.is(puts(5), 5, "the restarted client's puts are answered, not dropped as duplicates of the old ones");
});

test("a restarted client's watch is served although its previous incarnation's stream of that id is still open on the member", () => {
  const { world, client } = oneMemberAndRestartableClient(12);
  const events: string[][] = [];
  const watchFrom = (key: string) => {
    const seen: string[] = [];
    events.push(seen);
    client().watch({ key, startRevision: 0 }, (r) => {
      for (const e of r.events) seen.push(`${e.kv.key}=${e.kv.value}`);
    });
  };
  watchFrom("old");
  world.runUntil(world.now + 100_000);
  // A crash leaves the old stream open on the member (nothing told it otherwise).
  world.crash("c1");
  world.restart("c1");
  world.runUntil(world.now + 10_000);
  watchFrom("new");
  world.runUntil(world.now + 100_000);
  let put = false;
  client().put({ key: "new", value: "v1" }, (r) => (put = r.ok));
  world.runUntilPredicate(() => put && events[1]!.length > 0, world.now + 2_000_000);
  assert.ok(put, "the put");
  assert.equal(events[1], ["new=v1"], "the new incarnation's watch, on a stream id of its own, sees its key's change");
});

test.run();

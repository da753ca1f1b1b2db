// The driver on the deterministic simulator: real timers, a lossy network and disks that lose un-synced
// writes on a crash, with the safety monitor watching every step. (A test-only reach into sim/ and
// checkers/: the driver's whole point is to run there.)
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Trace } from "../../sim/trace.ts";
import { World, type WorldOptions } from "../../sim/world.ts";
import type { CrashMode } from "../../sim/disk.ts";
import { RaftSafetyMonitor } from "../../checkers/raft/monitor.ts";
import { BugSet, type BugName } from "../bugs.ts";
import { isRaftMessage, raftActor, type RaftDriver, type RaftDriverOptions, type StateMachine } from "./driver.ts";
import { PEER_MESSAGE_TYPES } from "./types.ts";
import type { Entry } from "./types.ts";
import type { RaftView } from "./view.ts";

class ListMachine implements StateMachine {
  items: unknown[] = [];
  apply(e: Entry): void {
    if (e.type === "normal" && e.data !== null) this.items.push(e.data);
  }
  snapshot(): unknown {
    return [...this.items];
  }
  restore(data: unknown): void {
    this.items = [...(data as unknown[])];
  }
}

interface Harness {
  world: World;
  monitor: RaftSafetyMonitor;
  ids: string[];
  driver(id: string): RaftDriver;
  machine(id: string): ListMachine;
  leader(): string | undefined;
  run(ms: number): void;
  waitFor(pred: () => boolean, ms: number): boolean;
}

interface ClusterOpts extends Partial<RaftDriverOptions> {
  bugNames?: BugName[];
  lossP?: number;
  fsyncUs?: number;
  buggify?: { sites: string[]; p: number };
  /** Whole link / disk settings (override lossP / fsyncUs). */
  link?: WorldOptions["link"];
  disk?: WorldOptions["disk"];
}

function cluster(n: number, seed: number, opts: ClusterOpts = {}): Harness {
  const world = new World({
    seed,
    keepTrace: opts.buggify !== undefined,
    link: opts.link ?? { lossP: opts.lossP ?? 0 },
    disk: opts.disk ?? (opts.fsyncUs !== undefined ? { fsyncLatencyUs: opts.fsyncUs } : undefined),
    ...(opts.buggify !== undefined ? { buggify: opts.buggify } : {}),
  });
  const monitor = new RaftSafetyMonitor();
  world.lifecycle.push((ev) => {
    if (ev.kind === "crash") monitor.onCrash(ev.process);
  });
  const ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  const machines = new Map<string, ListMachine>();
  for (const id of ids) {
    world.spawn(
      id,
      raftActor({
        peers: ids,
        bugs: new BugSet(opts.bugNames ?? []),
        snapshotEvery: opts.snapshotEvery ?? 0,
        logRewriteAfter: opts.logRewriteAfter,
        leaderSendsBeforeSync: opts.leaderSendsBeforeSync,
        stateMachine: (env) => {
          const m = new ListMachine();
          machines.set(env.id, m);
          return m;
        },
        observer: (v) => monitor.observe(v.id, v, world.trace.count),
      }),
    );
  }
  const driver = (id: string) => (world.process(id).actor as unknown as { driver: RaftDriver }).driver;
  const h: Harness = {
    world,
    monitor,
    ids,
    driver,
    machine: (id) => machines.get(id)!,
    leader: () => {
      let best: { id: string; term: number } | undefined;
      for (const id of ids) {
        if (world.process(id).status !== "up") continue;
        const s = driver(id).status();
        if (s.role === "leader" && (best === undefined || s.term > best.term)) best = { id, term: s.term };
      }
      return best?.id;
    },
    run: (ms) => world.runUntil(world.now + ms * 1000),
    waitFor: (pred, ms) => world.runUntilPredicate(pred, world.now + ms * 1000),
  };
  return h;
}

function proposeMany(h: Harness, count: number, prefix: string): number {
  let ok = 0;
  for (let i = 0; i < count; i++) {
    const l = h.leader();
    if (l === undefined) {
      h.run(50);
      continue;
    }
    if (h.driver(l).propose(`${prefix}${i}`).ok) ok++;
    h.run(2);
  }
  return ok;
}

const converged = (h: Harness, want: number) => () =>
  h.ids.every((id) => h.world.process(id).status === "up" && h.machine(id).items.length >= want);

test("drivers elect a leader, replicate and apply proposals everywhere, and the monitor is satisfied", () => {
  const h = cluster(3, 1);
  assert.ok(
    h.waitFor(() => h.leader() !== undefined, 3000),
    "a leader within 3 s",
  );
  const ok = proposeMany(h, 20, "v");
  assert.is(ok, 20);
  assert.ok(h.waitFor(converged(h, 20), 2000));
  for (const id of h.ids) assert.equal(h.machine(id).items, h.machine(h.ids[0]!).items);
  assert.is(h.monitor.result().verdict, "pass", h.monitor.result().message);
  assert.is(h.world.failure, undefined);
});

test("a follower refuses a proposal as a value that names the leader", () => {
  const h = cluster(3, 2);
  h.waitFor(() => h.leader() !== undefined, 3000);
  h.run(100);
  const leader = h.leader()!;
  const follower = h.ids.find((x) => x !== leader)!;
  assert.equal(h.driver(follower).propose("x"), { ok: false, reason: "not-leader", leader });
});

test("readIndex answers once the read point is applied, and times out without a quorum", () => {
  const h = cluster(3, 3);
  h.waitFor(() => h.leader() !== undefined, 3000);
  proposeMany(h, 5, "w");
  const leader = h.leader()!;
  h.waitFor(() => h.machine(leader).items.length === 5, 1000);
  const written = h.driver(leader).status().applied; // the writes were acknowledged up to here
  const follower = h.ids.find((x) => x !== leader)!;
  const results: unknown[] = [];
  h.driver(follower).readIndex((r) => results.push(r));
  h.run(200);
  assert.is(results.length, 1);
  const r = results[0] as { ok: boolean; index: number };
  assert.ok(
    r.ok && r.index >= written,
    `read point ${JSON.stringify(r)} must cover the acknowledged writes (${written})`,
  );
  assert.ok(h.driver(follower).status().applied >= r.index);
  // Cut the leader off: its read can never be confirmed.
  for (const x of h.ids)
    if (x !== leader) {
      h.world.network.faults.cut(leader, x);
      h.world.network.faults.cut(x, leader);
    }
  const late: unknown[] = [];
  h.driver(leader).readIndex((res) => late.push(res));
  h.run(1000);
  assert.equal(late, [{ ok: false, reason: "timeout" }]);
});

test("a read's callback that proposes shows no commit ahead of the fsync that made it (option fuzz 2541)", () => {
  // A lone member: its own fsync commits. The callback of a read resolved by a Ready proposes at once (as
  // etcd's lease renewal does); the view it makes must come after that Ready's durable entries.
  for (const seed of [1, 2, 3, 4, 5]) {
    const h = cluster(1, seed, { fsyncUs: 2000 });
    h.waitFor(() => h.leader() !== undefined, 3000);
    const d = h.driver("n1");
    let proposedInCallback = 0;
    for (let i = 0; i < 20; i++) {
      d.propose(`a${i}`);
      d.readIndex((r) => {
        if (r.ok && d.propose(`r${i}`).ok) proposedInCallback++;
      });
      d.propose(`b${i}`);
      h.run(3);
    }
    h.run(100);
    assert.ok(proposedInCallback > 0);
    assert.is(h.monitor.result().verdict, "pass", `seed ${seed}: ${h.monitor.result().message}`);
  }
});

for (const mode of ["clean", "torn", "corrupt"] as CrashMode[]) {
  test(`after a ${mode} crash of the leader mid-write, the cluster converges and nothing committed is lost`, () => {
    const h = cluster(3, 10, { snapshotEvery: 7 });
    h.waitFor(() => h.leader() !== undefined, 3000);
    proposeMany(h, 10, "a");
    const leader = h.leader()!;
    for (let i = 0; i < 5; i++) h.driver(leader).propose(`b${i}`); // in flight at the crash
    h.world.crash(leader, mode);
    h.run(500);
    h.world.restart(leader);
    proposeMany(h, 10, "c");
    assert.ok(
      h.waitFor(() => converged(h, 20)() && new Set(h.ids.map((x) => h.machine(x).items.length)).size === 1, 5000),
    );
    const items = h.machine(h.ids[0]!).items;
    for (let i = 0; i < 10; i++) assert.ok(items.includes(`a${i}`), `a${i} survived`);
    for (const id of h.ids) assert.equal(h.machine(id).items, items, id);
    assert.is(h.monitor.result().verdict, "pass", h.monitor.result().message);
    assert.is(h.world.failure, undefined, h.world.failure?.message);
  });
}

test("a follower that was down through several snapshots catches up from the leader's snapshot", () => {
  const h = cluster(3, 4, { snapshotEvery: 5 });
  h.waitFor(() => h.leader() !== undefined, 3000);
  const leader = h.leader()!;
  const follower = h.ids.find((x) => x !== leader)!;
  h.world.crash(follower);
  proposeMany(h, 30, "s");
  h.world.restart(follower);
  assert.ok(h.waitFor(() => h.machine(follower).items.length === 30, 3000));
  assert.equal(h.machine(follower).items, h.machine(leader).items);
  assert.ok(h.world.network.stats.delivered > 0);
  assert.is(h.monitor.result().verdict, "pass", h.monitor.result().message);
});

test("the log file is rewritten after compaction, and a crash during or after it loses nothing", () => {
  const h = cluster(3, 5, { snapshotEvery: 4, logRewriteAfter: 8 });
  h.waitFor(() => h.leader() !== undefined, 3000);
  proposeMany(h, 40, "r");
  const victim = h.ids.find((x) => x !== h.leader())!;
  const disk = h.world.process(victim).disk;
  assert.ok(disk.read("raft.log.0").length + disk.read("raft.log.1").length < 30, "dead records were dropped");
  h.world.crash(victim, "torn");
  h.world.restart(victim);
  proposeMany(h, 10, "t");
  assert.ok(h.waitFor(converged(h, 50), 3000));
  assert.equal(h.machine(victim).items, h.machine(h.leader()!).items);
  assert.is(h.monitor.result().verdict, "pass", h.monitor.result().message);
});

test("same seed, same history: the trace hash repeats", () => {
  const hashOf = (seed: number) => {
    const h = cluster(3, seed, { snapshotEvery: 5, lossP: 0.05 });
    h.waitFor(() => h.leader() !== undefined, 3000);
    proposeMany(h, 15, "d");
    h.run(500);
    return h.world.trace.hash();
  };
  assert.is(hashOf(77), hashOf(77));
  assert.is.not(hashOf(77), hashOf(78));
});

test("a node's reasons for ignoring messages are in the kept trace as asides, outside the hash and the event count", () => {
  const h = cluster(3, 12, { lossP: 0.05, buggify: { sites: [], p: 0 } });
  h.waitFor(() => h.leader() !== undefined, 3000);
  proposeMany(h, 10, "w");
  h.run(500);
  const lines = h.world.trace.lines!;
  const asides = lines.filter((l) => l.k === "note" && l.to === "why:raft");
  assert.ok(asides.length > 0, "some message was ignored (a vote response after the election was decided, at least)");
  assert.match(asides[0]!.m ?? "", /^[a-z-]+(:[a-z-]+)?: Msg[A-Za-z]+ from /);
  assert.is(h.world.trace.count, lines.length - asides.length, "asides are not counted as events");
  // The same events without the asides fold to the same hash.
  const aside = new Set(asides);
  const bare = new Trace();
  for (const l of lines) if (!aside.has(l)) bare.event(l.t, l.k, l.p, l.to, l.m);
  const withAsides = new Trace();
  for (const l of lines) withAsides.event(l.t, l.k, l.p, l.to, l.m);
  assert.is(bare.hash(), h.world.trace.hash(), "the kept events replay to the run's hash");
  assert.is(withAsides.hash(), bare.hash());
  assert.is(withAsides.count, bare.count);
});

test("isRaftMessage takes peer messages only: a peer type, a destination and a term", () => {
  for (const type of PEER_MESSAGE_TYPES) assert.ok(isRaftMessage({ type, from: "n1", to: "n2", term: 0 }), type);
  for (const msg of [
    { type: "MsgHup", from: "n1", to: "n2", term: 1 }, // local only
    { type: "MsgBeat", to: "n2", term: 1 },
    { type: "KvRequest", reqId: "r", request: {} }, // a client's
    { type: "KvRequest", to: "n2", term: 3 },
    { type: "MsgApp", to: "n2" }, // no term
    { type: "MsgApp", to: "n2", term: "1" },
    { type: "MsgApp", term: 1 }, // no destination
    { type: 7, to: "n2", term: 1 },
    { to: "n2", term: 1 },
    null,
    "MsgApp",
    7,
    undefined,
  ])
    assert.not.ok(isRaftMessage(msg), JSON.stringify(msg));
});

test("with no trace kept the world says asides go unread, and the driver builds none; the hash is the same", () => {
  const runWith = (keepTrace: boolean) => {
    const world = new World({ seed: 12, keepTrace, link: { lossP: 0.05 } });
    let asides = 0;
    let keeps: boolean | undefined;
    const ids = ["n1", "n2", "n3"];
    for (const id of ids) {
      const actor = raftActor({ peers: ids, snapshotEvery: 0, stateMachine: () => new ListMachine() });
      world.spawn(id, (env) => {
        keeps = env.keepsAsides;
        // The same env, with its notes counted on the way (spread: keepsAsides is an own property).
        return actor({
          ...env,
          record: (kind, detail) => {
            if (kind === "why:raft") asides++;
            env.record(kind, detail);
          },
        });
      });
    }
    world.runUntil(2_000_000);
    return { asides, keeps, hash: world.trace.hash(), count: world.trace.count };
  };
  const kept = runWith(true);
  const bare = runWith(false);
  assert.is(kept.keeps, true);
  assert.is(bare.keeps, false);
  assert.ok(kept.asides > 0, "a kept trace gets the reasons");
  assert.is(bare.asides, 0, "no reason line is built when nobody keeps it");
  assert.is(bare.hash, kept.hash);
  assert.is(bare.count, kept.count);
});

for (const bug of [undefined, "raft-ack-before-fsync"] as const) {
  test(`${bug ?? "clean build"} on slow disks: ${bug === undefined ? "no violation" : "the monitor sees a commit no quorum holds durably"}`, () => {
    // fsync (5 ms) slower than the network (1–1.5 ms): an early acknowledgement overtakes the fsync.
    const h = cluster(3, 6, { bugNames: bug === undefined ? [] : [bug], fsyncUs: 5000 });
    h.waitFor(() => h.leader() !== undefined, 3000);
    proposeMany(h, 30, "x");
    h.run(200);
    const r = h.monitor.result();
    if (bug === undefined) {
      assert.is(r.verdict, "pass", r.message);
      assert.ok(h.machine(h.ids[0]!).items.length > 0);
    } else {
      assert.is(r.verdict, "fail");
      assert.match(r.message, /^commit-durability/);
    }
  });
}

/** Random crashes (clean, torn, corrupt), partitions, pauses, loss, duplication and slow fsyncs; then heal. */
function chaos(
  n: number,
  seed: number,
): { verdict: string; message: string; converged: boolean; acknowledged: number; failure?: string } {
  const h = cluster(n, seed, {
    link: { lossP: 0.02, dupP: 0.01, tailP: 0.05 },
    disk: { fsyncLatencyUs: 800, fsyncJitterUs: 2000 },
    snapshotEvery: 13,
    logRewriteAfter: 20,
  });
  const { world, monitor, ids, driver } = h;
  const rng = world.rng.fork("test-faults");
  const acknowledged: string[] = [];
  const pending = new Map<string, string>();
  for (let step = 0; step < 250 && world.failure === undefined; step++) {
    const r = rng.next();
    const id = rng.pick(ids);
    const status = world.process(id).status;
    if (r < 0.03 && status === "up") world.crash(id, rng.pick(["clean", "torn", "corrupt"] as const));
    else if (r < 0.08 && status === "crashed") world.restart(id);
    else if (r < 0.1) {
      world.network.faults.clear();
      const side = ids.filter(() => rng.chance(0.4));
      for (const a of side)
        for (const b of ids)
          if (!side.includes(b)) {
            world.network.faults.cut(a, b);
            world.network.faults.cut(b, a);
          }
    } else if (r < 0.13) world.network.faults.clear();
    else if (r < 0.15 && status === "up") world.pause(id);
    else if (r < 0.2 && status === "paused") world.resume(id);
    const leader = ids.find((x) => world.process(x).status === "up" && driver(x).status().role === "leader");
    if (leader !== undefined) {
      const v = `${seed}/${step}`;
      if (driver(leader).propose(v).ok) pending.set(v, leader);
    }
    world.runUntil(world.now + 20_000);
    // A write is acknowledged once the leader that took it has applied it.
    for (const [v, l] of pending) {
      if (world.process(l).status === "up" && h.machine(l).items.includes(v)) {
        acknowledged.push(v);
        pending.delete(v);
      }
    }
  }
  world.network.faults.clear();
  for (const id of ids) {
    world.resume(id);
    world.restart(id);
  }
  const converged = world.runUntilPredicate(
    () => ids.every((id) => acknowledged.every((v) => h.machine(id).items.includes(v))),
    world.now + 10_000_000,
  );
  const r = monitor.result();
  return {
    verdict: r.verdict,
    message: r.message,
    converged,
    acknowledged: acknowledged.length,
    failure: world.failure?.message,
  };
}

for (const n of [3, 5]) {
  test(`chaos on ${n} drivers: crashes, partitions, pauses, loss and slow disks break no invariant, and all acknowledged writes arrive after heal`, () => {
    let acknowledged = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const out = chaos(n, seed);
      assert.is(out.failure, undefined, `seed ${seed}: ${out.failure}`);
      assert.is(out.verdict, "pass", `seed ${seed}: ${out.message}`);
      assert.ok(out.converged, `seed ${seed}: acknowledged writes missing after heal`);
      acknowledged += out.acknowledged;
    }
    assert.ok(acknowledged > 100, `only ${acknowledged} writes acknowledged`);
  });
}

test("a batch proposed through the driver is persisted with one fsync and applied in order everywhere", () => {
  const h = cluster(3, 11);
  assert.ok(h.waitFor(() => h.leader() !== undefined, 3000));
  h.run(100);
  const leader = h.leader()!;
  const syncsBefore = h.world.process(leader).disk.stats.syncs;
  const r = h.driver(leader).proposeBatch(["b0", "b1", "b2", "b3", "b4"]);
  assert.ok(r.ok);
  assert.ok(h.waitFor(converged(h, 5), 2000));
  for (const id of h.ids) assert.equal(h.machine(id).items, ["b0", "b1", "b2", "b3", "b4"]);
  assert.is(h.world.process(leader).disk.stats.syncs - syncsBefore, 1, "one fsync for the whole batch");
  const follower = h.ids.find((x) => x !== leader)!;
  assert.equal(h.driver(follower).proposeBatch(["z"]), { ok: false, reason: "not-leader", leader });
  assert.is(h.monitor.result().verdict, "pass", h.monitor.result().message);
});

/** Virtual µs from proposing on the leader until the leader applied it. */
function applyLatency(h: Harness, value: string): number {
  const leader = h.leader()!;
  const t0 = h.world.now;
  const before = h.machine(leader).items.length;
  assert.ok(h.driver(leader).propose(value).ok);
  assert.ok(h.waitFor(() => h.machine(leader).items.length > before, 1000));
  return h.world.now - t0;
}

test("BUGGIFY slow-apply stalls the apply loop 5-50 ms, and every proposal still reaches every member", () => {
  const plain = cluster(3, 12);
  plain.waitFor(() => plain.leader() !== undefined, 3000);
  plain.run(100);
  const fast = applyLatency(plain, "p");
  assert.ok(fast < 5_000, `without the fault a write applies in ${fast}us`);
  const h = cluster(3, 12, { buggify: { sites: ["slow-apply"], p: 1 } });
  h.waitFor(() => h.leader() !== undefined, 3000);
  h.run(100);
  assert.ok(applyLatency(h, "s") >= 5_000, "the stall holds the apply back");
  proposeMany(h, 10, "v");
  assert.ok(h.waitFor(converged(h, 11), 3000));
  for (const id of h.ids) assert.equal(h.machine(id).items, h.machine(h.ids[0]!).items);
  assert.ok((h.world.buggified.get("slow-apply") ?? 0) > 0);
  assert.ok(
    h.world.trace.lines!.some((l) => l.k === "buggify" && l.m === "slow-apply"),
    "every firing is in the trace",
  );
  assert.is(h.monitor.result().verdict, "pass", h.monitor.result().message);
});

test("BUGGIFY force-snapshot compacts early, so a follower that was cut off catches up by InstallSnapshot", () => {
  const h = cluster(3, 13, { snapshotEvery: 0, buggify: { sites: ["force-snapshot"], p: 1 } });
  h.waitFor(() => h.leader() !== undefined, 3000);
  h.run(100);
  const leader = h.leader()!;
  const lagging = h.ids.find((x) => x !== leader)!;
  for (const x of h.ids)
    if (x !== lagging) {
      h.world.network.faults.cut(lagging, x);
      h.world.network.faults.cut(x, lagging);
    }
  proposeMany(h, 10, "w");
  h.world.network.faults.clear();
  assert.ok(h.waitFor(converged(h, 10), 3000), "the follower converges");
  assert.equal(h.machine(lagging).items, h.machine(leader).items);
  assert.ok(
    h.world.trace.lines!.some((l) => l.k === "deliver" && l.to === lagging && l.m === "MsgSnap"),
    "it needed a snapshot: the log it lacked was compacted",
  );
  assert.is(h.monitor.result().verdict, "pass", h.monitor.result().message);
});

test("a BUGGIFY point not enabled for the run never fires", () => {
  const h = cluster(3, 14, { snapshotEvery: 0, buggify: { sites: ["delay-fsync"], p: 1 } });
  h.waitFor(() => h.leader() !== undefined, 3000);
  proposeMany(h, 5, "x");
  assert.ok(h.waitFor(converged(h, 5), 3000));
  assert.not.ok(h.world.trace.lines!.some((l) => l.k === "deliver" && l.m === "MsgSnap"));
  assert.is(h.world.buggified.get("slow-apply"), undefined);
  assert.is(h.world.buggified.get("force-snapshot"), undefined);
});
test("a leader sends its entries while its own fsync is in flight (as etcd does), followers only after theirs", () => {
  const followerHasIt = (early: boolean) => {
    const h = cluster(3, 15, { fsyncUs: 20_000, leaderSendsBeforeSync: early });
    h.waitFor(() => h.leader() !== undefined, 5000);
    h.run(200);
    const leader = h.leader()!;
    const r = h.driver(leader).propose("e");
    assert.ok(r.ok);
    h.run(5); // well inside the leader's 20 ms fsync
    const got = h.ids.filter(
      (id) => id !== leader && h.driver(id).status().lastIndex >= (r as { index: number }).index,
    ).length;
    assert.ok(
      h.driver(leader).status().commitIndex < (r as { index: number }).index,
      "nothing commits before the leader's own fsync",
    );
    assert.ok(h.waitFor(converged(h, 1), 2000));
    assert.is(h.monitor.result().verdict, "pass", h.monitor.result().message);
    return got;
  };
  assert.is(followerHasIt(true), 2, "both followers got the entry before the leader's fsync finished");
  assert.is(followerHasIt(false), 0, "with the option off the leader waits for its fsync");
});

test("the observer gets one view object per node, refreshed in place: each call shows the node as it is then", () => {
  const world = new World({ seed: 7, link: { lossP: 0.05 } });
  const ids = ["n1", "n2", "n3"];
  const drivers = new Map<string, RaftDriver>();
  const viewOf = new Map<string, RaftView>();
  const seen = { durable: [0, 0], appliedEntries: [0, 0], sentTerm: [0, 0], stepped: [0, 0] };
  const prev = new Map<string, Pick<RaftView, "durable" | "stepped" | "appliedEntries">>();
  let compared = 0;
  for (const id of ids) {
    world.spawn(id, (env) => {
      const a = raftActor({
        peers: ids,
        snapshotEvery: 20,
        stateMachine: () => new ListMachine(),
        observer: (v) => {
          if (viewOf.get(v.id) === undefined) viewOf.set(v.id, v);
          assert.ok(viewOf.get(v.id) === v, "the same object on every call");
          for (const k of Object.keys(seen) as (keyof typeof seen)[]) seen[k][v[k] === undefined ? 0 : 1]!++;
          // Each observation is reported once: the next call does not show it again (no duplicated packets here).
          const p = prev.get(v.id);
          if (p !== undefined) {
            assert.ok(v.durable === undefined || v.durable !== p.durable, "durable shown twice");
            assert.ok(v.stepped === undefined || v.stepped !== p.stepped, "stepped shown twice");
            const applied = v.appliedEntries;
            assert.ok(applied === undefined || applied.length === 0 || applied !== p.appliedEntries, "applied twice");
          }
          prev.set(v.id, { durable: v.durable, stepped: v.stepped, appliedEntries: v.appliedEntries });
          const d = drivers.get(v.id);
          if (d === undefined) return; // the first view, from the constructor
          // A view built fresh now, with the same host observations, shows the same node.
          const fresh = d.node.view({
            durable: v.durable,
            appliedSnapshot: v.appliedSnapshot,
            appliedEntries: v.appliedEntries,
            sentTerm: v.sentTerm,
            stepped: v.stepped,
          });
          const { termAt: _a, ...live } = v;
          const { termAt: _b, ...want } = fresh;
          assert.equal(live, want);
          compared++;
        },
      })(env);
      drivers.set(id, a.driver);
      return a;
    });
  }
  for (let i = 0; i < 60; i++) {
    world.runUntil(world.now + 50_000);
    for (const d of drivers.values()) if (d.status().role === "leader") d.propose(`x${i}`);
  }
  assert.ok(compared > 1_000, `${compared} views compared`);
  // Every host observation was both present and absent on the one object: none sticks from an earlier call.
  for (const [k, [absent, present]] of Object.entries(seen)) assert.ok(absent! > 0 && present! > 0, k);
});

test("status() is handed out again while nothing in it changed, and is new (and right) once something did", () => {
  const h = cluster(3, 11);
  h.waitFor(() => h.leader() !== undefined, 5_000);
  const l = h.leader()!;
  const d = h.driver(l);
  const s1 = d.status();
  assert.ok(d.status() === s1, "unchanged: the same object");
  d.propose("x");
  const s2 = d.status();
  assert.ok(s2 !== s1);
  assert.is(s2.lastIndex, s1.lastIndex + 1);
  assert.is(s1.lastIndex, s2.lastIndex - 1, "an earlier status keeps what it said");
  h.run(200);
  const s3 = d.status();
  const n = d.node;
  assert.equal(s3, {
    id: n.id,
    term: n.term,
    role: n.roleKind,
    leader: n.leader,
    commitIndex: n.commitIndex,
    applied: n.applied,
    lastIndex: n.lastIndex,
    voters: n.voters,
    learners: n.learners,
  });
  assert.is(s3.applied, s3.lastIndex);
});

test.run();

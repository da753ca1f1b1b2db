// Arrays that hot readers share stay packed once their producers are optimized. TurboFan's inlined
// Array.prototype.map returns holey arrays where the builtin (and the interpreter) return packed ones, so a
// producer written with map() hands its readers a second array kind the moment it is optimized, and every
// reader (the log, MsgApp, Ready, the disk, the store's change log) deoptimizes and is compiled again,
// polymorphic. The producers use loops; this test optimizes them in a child process with V8's natives
// syntax and asks V8 what kind of array they return.
import { spawnSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = new URL("../..", import.meta.url).pathname;

const child = `
const natives = (body) => new Function("a", body);
const holey = natives("return %HasHoleyElements(a)");
const prepare = natives("%PrepareFunctionForOptimization(a)");
const optimizeNext = natives("%OptimizeFunctionOnNextCall(a)");
const { RaftNode } = await import(${JSON.stringify(`${root}core/raft/node.ts`)});
const { Rng } = await import(${JSON.stringify(`${root}sim/rng.ts`)});
const { MvccStore } = await import(${JSON.stringify(`${root}core/mvcc/store.ts`)});
const { Lessor } = await import(${JSON.stringify(`${root}core/mvcc/lease.ts`)});
const out = {};
// A single-voter leader: every proposal commits at once.
const n = new RaftNode({ id: "n1", peers: ["n1"], rng: new Rng("packed") });
n.campaign();
const cycle = () => { const rd = n.ready(); n.advance(rd); return rd; };
cycle();
const optimized = (f, call) => { prepare(f); call(); call(); optimizeNext(f); return call(); };
const proto = Object.getPrototypeOf(RaftNode.prototype);
out.leaderEntries = [];
optimized(proto.appendEntries, () => { n.propose({ x: 1 }); const rd = cycle(); out.leaderEntries.push(holey(rd.entries)); });
out.batch = [];
optimized(RaftNode.prototype.proposeBatch, () => { n.proposeBatch([1, 2]); out.batch.push(holey(cycle().entries)); });
// The lessor's expired ids.
const l = new Lessor({ primary: true, minTTL: 1 });
out.expired = [];
optimized(Lessor.prototype.expired, () => { l.grant(l.chooseId(), 1, 0); out.expired.push(holey(l.expired(10_000_000))); });
// The store's snapshot, its restore (the change log) and a delete's prevKvs.
const s = new MvccStore();
out.snapshot = [];
out.prevKvs = [];
optimized(MvccStore.prototype.snapshot, () => { s.put({ key: "k", value: "v" }); const snap = s.snapshot(); out.snapshot.push(holey(snap.keys) || holey(snap.keys[0].changes)); });
optimized(MvccStore.prototype.deleteRange, () => { s.put({ key: "d", value: "v" }); out.prevKvs.push(holey(s.deleteRange({ key: "d", prevKv: true }).prevKvs)); });
console.log(JSON.stringify(out));
`;

test("entry arrays, expired lease ids and store snapshots stay packed when their producers are optimized", () => {
  const r = spawnSync(
    process.execPath,
    ["--allow-natives-syntax", "--import", "tsx", "--input-type=module", "-e", child],
    {
      cwd: root,
      encoding: "utf8",
    },
  );
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, boolean[]>;
  for (const [what, holey] of Object.entries(out))
    assert.equal(holey, [false, false, false], `${what}: holey ${holey}`);
});

test.run();

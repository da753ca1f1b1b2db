// MvccStore.applyUnanswered (a member applying a write another member answers) against applyWith: over
// random request sequences, two stores end in the same state, report the same errors, announce the same
// commits and count the same probes — only the responses are missing.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { probeCounts, resetProbes } from "../probes.ts";
import type { Compare, EtcdRequest, RangeRequest, RequestOp, TxnRequest } from "./rpc.ts";
import { isEtcdError, MvccStore } from "./store.ts";

/** A small seeded generator (LCG), so a failure names its seed. */
function randomOf(seed: number): (k: number) => number {
  let x = seed >>> 0;
  return (k) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % k;
  };
}

const KEYS = ["a", "b", "c", "d", "e"];

function requests(seed: number, n: number): EtcdRequest[] {
  const r = randomOf(seed);
  const key = () => KEYS[r(KEYS.length)]!;
  const revision = () => [0, -1, 1, 3, 8, 15, 40][r(7)]!;
  const range = (): RangeRequest => {
    const q: RangeRequest = { key: key() };
    if (r(3) === 0) q.rangeEnd = r(2) === 0 ? "\0" : "d";
    if (r(3) === 0) q.limit = r(3);
    if (r(3) === 0) q.revision = revision();
    if (r(5) === 0) q.minModRevision = r(10);
    if (r(6) === 0) q.countOnly = true;
    if (r(6) === 0) q.sortOrder = "DESCEND";
    return q;
  };
  const compare = (): Compare => {
    const c: Compare = {
      key: key(),
      target: "VERSION",
      result: (["EQUAL", "GREATER", "LESS"] as const)[r(3)]!,
      version: r(3),
    };
    if (r(4) === 0) c.rangeEnd = "\0";
    return c;
  };
  const op = (depth: number): RequestOp => {
    switch (r(depth < 2 ? 4 : 3)) {
      case 0:
        return { requestRange: range() };
      case 1:
        return {
          requestPut: {
            key: key(),
            value: `v${r(100)}`,
            prevKv: r(2) === 0,
            ...(r(4) === 0 ? { ignoreValue: true } : {}),
          },
        };
      case 2:
        return { requestDeleteRange: r(3) === 0 ? { key: key(), rangeEnd: "\0", prevKv: true } : { key: key() } };
      default:
        return { requestTxn: txn(depth + 1) };
    }
  };
  const ops = (depth: number): RequestOp[] => Array.from({ length: r(3) + (depth === 0 ? 1 : 0) }, () => op(depth));
  const txn = (depth: number): TxnRequest => ({
    compare: Array.from({ length: r(3) }, compare),
    success: ops(depth),
    failure: ops(depth),
  });
  const out: EtcdRequest[] = [];
  for (let i = 0; i < n; i++) {
    switch (r(9)) {
      case 0:
      case 1:
        out.push({
          kind: "put",
          put: {
            key: key(),
            value: `v${i}`,
            prevKv: r(2) === 0,
            ...(r(5) === 0 ? { lease: [1, 2, 99][r(3)]! } : {}),
            ...(r(6) === 0 ? { ignoreLease: true } : {}),
          },
        });
        break;
      case 2:
        out.push({
          kind: "deleteRange",
          deleteRange: { key: r(8) === 0 ? "" : key(), prevKv: r(2) === 0, ...(r(3) === 0 ? { rangeEnd: "\0" } : {}) },
        });
        break;
      case 3:
      case 4:
      case 5:
        out.push({ kind: "txn", txn: txn(0) });
        break;
      case 6:
        out.push({ kind: "compact", compact: { revision: revision() } });
        break;
      case 7:
        out.push({ kind: "leaseGrant", leaseGrant: { ID: 1 + r(2), TTL: 5 } });
        break;
      default:
        out.push({ kind: "leaseRevoke", leaseRevoke: { ID: 1 + r(3) } });
        break;
    }
  }
  return out;
}

/** Applies reqs, answered or not; returns each outcome's error (or "ok"), the commits and the probes. */
function run(reqs: readonly EtcdRequest[], answered: boolean, skipValidation: boolean) {
  const store = new MvccStore();
  const commits: string[] = [];
  store.setListener({
    onCommit: (revision, keys, changes) => void commits.push(JSON.stringify([revision, keys, changes])),
    onRestore: () => {},
  });
  resetProbes();
  const outcomes = reqs.map((req) => {
    if (answered) {
      const res = store.applyWith(req, 7, 1_000, skipValidation);
      return isEtcdError(res) ? res.error : "ok";
    }
    return store.applyUnanswered(req, 7, 1_000, skipValidation)?.error ?? "ok";
  });
  return { outcomes, commits, probes: [...probeCounts()], snapshot: store.snapshot() };
}

test("applyUnanswered changes the store as applyWith does, with the same errors, commits and probes", () => {
  let oks = 0;
  let errors = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const reqs = requests(seed, 120);
    for (const skip of [false, true]) {
      const a = run(reqs, true, skip);
      const b = run(reqs, false, skip);
      assert.equal(b.outcomes, a.outcomes, `seed ${seed}: outcomes`);
      assert.equal(b.commits, a.commits, `seed ${seed}: commits`);
      assert.equal(b.probes, a.probes, `seed ${seed}: probes`);
      assert.equal(b.snapshot, a.snapshot, `seed ${seed}: state`);
      for (const o of a.outcomes) o === "ok" ? oks++ : errors++;
    }
  }
  // The sequences were not degenerate: most requests applied, some were refused.
  assert.ok(oks > 5_000 && errors > 500, `${oks} applied, ${errors} refused`);
});

test.run();

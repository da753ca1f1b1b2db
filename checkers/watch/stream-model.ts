// Test support (not a test): a reference watch server, written independently of the checker, that
// produces correct watch streams over a random history — and mutations that each break one guarantee.
// Time: revision r commits at 10·r µs; a compaction of revision c is requested at 10·c + 5.
import type { WatchRecord } from "../history.ts";
import type { Event, KeyValue, WatchCreateRequest, WatchResponse } from "../../core/mvcc/rpc.ts";
import { Rng } from "../../sim/rng.ts";
import { changesFromApplied, type AppliedChange } from "./derive.ts";
import type { CompactionRecord, RevisionChanges, WatchGuarantee } from "./types.ts";

const KEYS = ["a", "b", "p/1", "p/2", "p/3", "q"];

interface RangeSpec {
  request: Pick<WatchCreateRequest, "key" | "rangeEnd">;
  contains: (key: string) => boolean;
}
const RANGES: RangeSpec[] = [
  { request: { key: "a" }, contains: (k) => k === "a" },
  { request: { key: "p/2" }, contains: (k) => k === "p/2" },
  { request: { key: "p/", rangeEnd: "p0" }, contains: (k) => k.startsWith("p/") },
  { request: { key: "\0", rangeEnd: "\0" }, contains: () => true },
  { request: { key: "b", rangeEnd: "q" }, contains: (k) => k >= "b" && k < "q" },
];

export interface Scenario {
  changes: RevisionChanges[];
  compactions: CompactionRecord[];
  watches: WatchRecord[];
}

export function generateScenario(seed: number): Scenario {
  const rng = new Rng(seed);
  const changes = generateHistory(rng.fork("history"));
  const last = changes.length + 1;
  const compactions = generateCompactions(rng.fork("compactions"), last);
  const wr = rng.fork("watches");
  const watches = Array.from({ length: wr.int(1, 4) }, (_, i) =>
    generateWatch(wr.fork(`w${i}`), i, changes, compactions, last),
  );
  return { changes, compactions, watches };
}

/**
 * Contiguous revisions 2..n+1, each a transaction of 1–3 changes to distinct keys; deletes hit live keys
 * only. Now and then a transaction also changes one more key twice, as a from-key delete lets etcd commit:
 * deletes a live key and puts it again, or puts an absent one and deletes it.
 */
function generateHistory(rng: Rng): RevisionChanges[] {
  const alive = new Set<string>();
  const applied: AppliedChange[] = [];
  const n = rng.int(1, 25);
  for (let rev = 2; rev < n + 2; rev++) {
    const keys = rng.shuffle([...KEYS]).slice(0, rng.int(1, 3));
    keys.forEach((key, i) => {
      // The first change of each transaction is a put, so no revision is left empty.
      if (i > 0 && alive.has(key) && rng.chance(0.35)) {
        applied.push({ revision: rev, type: "DELETE", key });
        alive.delete(key);
      } else {
        applied.push({ revision: rev, type: "PUT", key, value: `v${rev}`, lease: rng.chance(0.1) ? 5 : 0 });
        alive.add(key);
      }
    });
    const twice = KEYS.filter((k) => !keys.includes(k));
    if (twice.length > 0 && rng.chance(0.2)) {
      const key = rng.pick(twice);
      const put: AppliedChange = { revision: rev, type: "PUT", key, value: `w${rev}`, lease: 0 };
      const del: AppliedChange = { revision: rev, type: "DELETE", key };
      if (alive.has(key)) applied.push(del, put);
      else applied.push(put, del);
    }
  }
  return changesFromApplied(applied);
}

function generateCompactions(rng: Rng, last: number): CompactionRecord[] {
  const out: CompactionRecord[] = [];
  let rev = 1;
  const count = rng.chance(0.5) ? rng.int(1, 2) : 0;
  for (let i = 0; i < count && rev < last; i++) {
    rev = rng.int(rev + 1, last);
    out.push({ revision: rev, time: 10 * rev + 5 });
  }
  return out;
}

function compactedBy(compactions: readonly CompactionRecord[], time: number): number {
  return compactions.filter((c) => c.time <= time).reduce((m, c) => Math.max(m, c.revision), 0);
}

const header = (revision: number) => ({ revision, raftTerm: 1 });

function generateWatch(
  rng: Rng,
  watchId: number,
  changes: readonly RevisionChanges[],
  compactions: readonly CompactionRecord[],
  last: number,
): WatchRecord {
  const range = rng.pick(RANGES);
  const filter = rng.pick([undefined, undefined, undefined, "NOPUT", "NODELETE"] as const);
  const request: WatchCreateRequest = { ...range.request };
  if (filter !== undefined) request.filters = [filter];
  if (rng.chance(0.5)) request.prevKv = true;
  const createdAt = rng.int(1, last); // the store's revision when the watch is created
  const start = rng.chance(0.3) ? 0 : rng.int(1, last + 2);
  if (start > 0) request.startRevision = start;
  const createTime = 10 * createdAt + 7;
  const record: WatchRecord = {
    client: watchId + 1,
    member: "n1",
    watchId,
    call: createTime - 1,
    request,
    responses: [],
  };
  const respond = (time: number, response: Omit<WatchResponse, "watchId">) =>
    record.responses.push({ time, response: { ...response, watchId } });

  respond(createTime, { header: header(createdAt), created: true, events: [] });
  const compactedAtCreate = compactedBy(compactions, createTime);
  if (start > 0 && start < compactedAtCreate) {
    respond(createTime, { header: header(0), canceled: true, compactRevision: compactedAtCreate, events: [] });
    return record;
  }

  const matches = (e: Event): boolean =>
    range.contains(e.kv.key) &&
    !(filter === "NOPUT" && e.type === "PUT") &&
    !(filter === "NODELETE" && e.type === "DELETE");
  const minRev = start > 0 ? start : createdAt + 1;
  const lag = rng.pick([0, 0, 5, 40, 200]);
  const stopAt = rng.chance(0.5) ? last : rng.int(Math.min(minRev - 1, last), last);
  let time = createTime;
  let rev = minRev;
  while (rev <= stopAt) {
    const batchEnd = Math.min(rev + rng.int(0, 2), stopAt);
    time = Math.max(time + 1, createTime + 1, 10 * batchEnd + lag + 1);
    const compacted = compactedBy(compactions, time);
    if (rev < compacted) {
      // A watcher still owing revisions below the compact revision is cancelled (etcd: minRev < compactRev).
      respond(time, { header: header(0), canceled: true, compactRevision: compacted, events: [] });
      return record;
    }
    const evs: Event[] = [];
    for (let r = rev; r <= batchEnd; r++) {
      for (const e of changes[r - 2]?.events ?? []) {
        if (!matches(e)) continue;
        const out: Event = { type: e.type, kv: { ...e.kv } };
        // prevKv is read at r − 1 when sent: gone once the compact revision reaches r.
        if (request.prevKv === true && e.prevKv !== undefined && compacted < r) out.prevKv = { ...e.prevKv };
        evs.push(out);
      }
    }
    if (evs.length > 0) respond(time, { header: header(batchEnd), events: evs });
    if (evs.length === 0 ? rng.chance(0.3) : rng.chance(0.15)) respond(time, { header: header(batchEnd), events: [] });
    rev = batchEnd + 1;
  }
  // A notification names a revision at or above the start (etcd #20221's fix).
  if (rng.chance(0.5) && stopAt >= createdAt && stopAt >= start)
    respond(time + 1, { header: header(stopAt), events: [] });
  return record;
}

// ---- Mutations: each breaks one guarantee, or is not applicable to a given stream ----

export const MUTATIONS = [
  "drop",
  "duplicate",
  "reorder",
  "split",
  "progress-ahead",
  "flip-is-create",
  "wrong-prev-kv",
] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** The guarantees a mutation may be reported as breaking (one of them must be). */
export const EXPECTED: Record<Mutation, WatchGuarantee[]> = {
  drop: ["atomic", "reliable", "resumable"],
  duplicate: ["unique"],
  reorder: ["ordered"],
  split: ["atomic"],
  "progress-ahead": ["bookmarkable"],
  "flip-is-create": ["is-create"],
  "wrong-prev-kv": ["prev-kv"],
};

interface Pos {
  response: number;
  index: number;
  event: Event;
}

function positions(w: WatchRecord): Pos[] {
  return w.responses.flatMap((r, response) => r.response.events.map((event, index) => ({ response, index, event })));
}

const revOf = (e: Event) => e.kv.modRevision;

/** A mutated copy of `w`, or undefined if this mutation cannot be made detectably on it. `pick` chooses among candidates. */
export function mutate(w: WatchRecord, m: Mutation, pick: number): WatchRecord | undefined {
  const c: WatchRecord = structuredClone(w);
  const ps = positions(c);
  if (ps.length === 0) return undefined;
  const choose = <T>(xs: T[]): T | undefined => (xs.length === 0 ? undefined : xs[pick % xs.length]);
  const eventsOf = (i: number) => c.responses[i]!.response.events;
  switch (m) {
    case "drop": {
      const p = choose(ps.filter((p) => dropIsDetectable(c, p)));
      if (p === undefined) return undefined;
      eventsOf(p.response).splice(p.index, 1);
      if (eventsOf(p.response).length === 0) c.responses.splice(p.response, 1);
      return c;
    }
    case "duplicate": {
      const p = choose(ps)!;
      eventsOf(p.response).splice(p.index + 1, 0, structuredClone(p.event));
      return c;
    }
    case "reorder": {
      const pairs = ps.flatMap((a, i) =>
        ps
          .slice(i + 1)
          .filter((b) => revOf(b.event) !== revOf(a.event))
          .map((b) => [a, b] as const),
      );
      const pair = choose(pairs);
      if (pair === undefined) return undefined;
      const [a, b] = pair;
      eventsOf(a.response)[a.index] = b.event;
      eventsOf(b.response)[b.index] = a.event;
      return c;
    }
    case "split": {
      const cuts = ps.filter((p) => p.index > 0 && revOf(eventsOf(p.response)[p.index - 1]!) === revOf(p.event));
      const p = choose(cuts);
      if (p === undefined) return undefined;
      const r = c.responses[p.response]!;
      const tail = r.response.events.splice(p.index);
      c.responses.splice(p.response + 1, 0, { time: r.time, response: { ...r.response, events: tail } });
      return c;
    }
    case "progress-ahead": {
      const p = choose(ps.filter((p) => p.index === 0))!;
      const r = c.responses[p.response]!;
      c.responses.splice(p.response, 0, {
        time: r.time,
        response: { header: header(revOf(p.event)), watchId: w.watchId, events: [] },
      });
      return c;
    }
    case "flip-is-create": {
      const p = choose(ps.filter((p) => p.event.type === "PUT"));
      if (p === undefined) return undefined;
      const kv = p.event.kv;
      kv.createRevision = kv.createRevision === kv.modRevision ? kv.modRevision - 1 : kv.modRevision;
      return c;
    }
    case "wrong-prev-kv": {
      const p = choose(ps)!;
      const e = p.event;
      const fake: KeyValue = { key: e.kv.key, createRevision: 1, modRevision: 1, version: 1, value: "never", lease: 0 };
      // Unrequested, on a create, or where compaction removed it: a pair at modRevision 1 is wrong
      // for every event (revision 1 predates each change in the history).
      if (c.request.prevKv !== true || e.prevKv === undefined) e.prevKv = fake;
      // The server included it, so revision − 1 was not compacted: omitting it is wrong too.
      else if (pick % 2 === 0) delete e.prevKv;
      else e.prevKv.value += "-stale";
      return c;
    }
  }
}

/** Dropping an event is visible only inside the window the rest of the stream still vouches for. */
function dropIsDetectable(w: WatchRecord, p: Pos): boolean {
  const rev = revOf(p.event);
  const others = positions(w).filter((q) => q !== p && !(q.response === p.response && q.index === p.index));
  if (others.some((q) => revOf(q.event) === rev)) return true; // its revision still arrives: atomic
  const progressRevs = w.responses
    .filter((r) => r.response.events.length === 0 && !r.response.created && !r.response.canceled)
    .map((r) => r.response.header.revision);
  const vouchedAbove = others.some((q) => revOf(q.event) >= rev) || progressRevs.some((r) => r >= rev);
  if (!vouchedAbove) return false;
  if ((w.request.startRevision ?? 0) > 0) return true;
  // A watch from now vouches from its first observation on (in arrival order).
  for (const r of w.responses) {
    const resp = r.response;
    if (resp.created || resp.canceled) continue;
    const firstOther = resp.events.find((e) => e !== p.event);
    if (firstOther !== undefined) return revOf(firstOther) <= rev;
    if (resp.events.length === 0) return resp.header.revision + 1 <= rev;
  }
  return false;
}

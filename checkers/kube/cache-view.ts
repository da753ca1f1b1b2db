// A controller process's informer cache at a moment, rebuilt from the recorder's log: what its
// informers took in (`observed`: every LIST and watch event, per informer instance) and its own
// acknowledged writes, which the cache holds ahead of the watch until the watch delivers them or
// something newer (client-go's mutation cache; here Informer.assume and assumeDeleted). Checks that
// judge a controller's decisions judge them on this view, so no fault needs forgiving: a decision the
// view does not justify is the controller's own.
//
// A controller without a mutation cache (the ReplicaSet controller, as client-go's) is the exception: its
// writes reach its process's caches by the watch only, and the recorder marks them `uncached`.
//
// The recorder logs a controller's acknowledged updates and deletes by process (controllerWrites), but a
// create only at the apiserver, without its sender: a landed create is counted in the cache of each
// process whose leader act sent a create of that name (or of that generateName prefix) before it landed
// and after the name's previous create. One object too many in a cache only makes a decision that
// depends on it look more justified, never less.
//
// What the caches took in at the decision's own microsecond may have come before it or after, in part
// (compacted-deletes seed 65: a Deployment's scale to 7 and then to 2 delivered together, the reconcile
// run between them): viewsAt gives one view per point of that microsecond, and a decision is wrong
// only if every one of them shows it wrong.
import type { KubeObservations } from "../../core/kube/observations.ts";
import type { KubeObject } from "../../core/kube/types.ts";

export type CacheKind = "Deployment" | "ReplicaSet" | "Pod" | "Node";

export const CACHE_PREFIX: Record<CacheKind, string> = {
  Deployment: "/registry/deployments/",
  ReplicaSet: "/registry/replicasets/",
  Pod: "/registry/pods/",
  // Nodes are stored under "minions", the name Kubernetes has kept for them in etcd.
  Node: "/registry/minions/",
};

/** key → rv of what a cache holds (null: gone by the process's own acknowledged delete). */
export type CacheView = Map<string, number | null>;

/** One change an informer took in, or one of the process's own writes acknowledged. */
interface Step {
  time: number;
  key: string;
  rv: number;
  /** LIST marker (a new list at rv replaces everything), a listed item, a watch event, or an own write. */
  kind: "list" | "item" | "event" | "deleted" | "own";
}

const KINDS: readonly CacheKind[] = ["Deployment", "ReplicaSet", "Pod", "Node"];

export class CacheViews {
  /** Each key's versions: key → rv → object (null: deleted). */
  private readonly versionsOf = new Map<string, Map<number, KubeObject | null>>();
  /** Each observer's steps, in arrival order. */
  private readonly stepsOf = new Map<string, Step[]>();
  /** The observers of each "process/Kind", in the order they began. */
  private readonly observersOf = new Map<string, string[]>();
  /** Each "process/Kind"'s own acknowledged writes, by time once sorted. */
  private readonly ownOf = new Map<string, Step[]>();
  private ownSorted = true;

  /** Built once per log and handed to every check that judges decisions (checkKubeSafety does). */
  constructor(
    obs: KubeObservations,
    private readonly kinds: readonly CacheKind[] = KINDS,
  ) {
    const prefixes = kinds.map((k) => CACHE_PREFIX[k]);
    // Plain loops: this runs over every version of the run (Leases and Events included).
    for (const v of obs.versions) {
      const key = v.key;
      let wanted = false;
      for (let i = 0; i < prefixes.length && !wanted; i++) wanted = key.startsWith(prefixes[i]!);
      if (!wanted) continue;
      let versions = this.versionsOf.get(key);
      if (versions === undefined) this.versionsOf.set(key, (versions = new Map()));
      versions.set(v.rv, v.object);
    }
    const pattern = new RegExp(`^(.*)#[^/]*/(${kinds.join("|")})$`);
    const ignored = new Set<string>(); // observers of other kinds
    for (const o of obs.observed) {
      let steps = this.stepsOf.get(o.observer);
      if (steps === undefined) {
        if (ignored.has(o.observer)) continue;
        const m = pattern.exec(o.observer);
        if (m === null) {
          ignored.add(o.observer);
          continue;
        }
        this.stepsOf.set(o.observer, (steps = []));
        const pk = `${m[1]}/${m[2]}`;
        (this.observersOf.get(pk) ?? this.observersOf.set(pk, []).get(pk)!).push(o.observer);
      }
      const kind =
        o.event === "LIST" ? (o.key.endsWith("/") ? "list" : "item") : o.event === "DELETED" ? "deleted" : "event";
      steps.push({ time: o.time, key: o.key, rv: o.rv, kind });
    }
    for (const w of obs.controllerWrites ?? []) if (w.uncached !== true) this.own(w.process, w.key, w.rv, w.time);
    this.attributeCreates(obs);
  }

  /** Each landed create into the caches of the processes that may have sent it (see the top of the file). */
  private attributeCreates(obs: KubeObservations): void {
    // "kind ns/name" (or "kind ns/prefix*") → the acts that sent such a create.
    const sent = new Map<string, { process: string; time: number }[]>();
    const create = /^[^:]+: create (\S+) (\S+)$/;
    for (const a of obs.acts) {
      if (a.uncached === true || !a.what.includes(": create ")) continue;
      const m = create.exec(a.what);
      if (m === null || !this.kinds.includes(m[1] as CacheKind)) continue;
      const id = `${m[1]} ${m[2]}`;
      (sent.get(id) ?? sent.set(id, []).get(id)!).push({ process: a.process, time: a.time });
    }
    if (sent.size === 0) return;
    const createdAt = new Map<string, number>(); // when each key was last created
    for (const w of obs.writes) {
      if (w.op !== "create") continue;
      const kind = this.kinds.find((k) => w.key.startsWith(CACHE_PREFIX[k]));
      if (kind === undefined) continue;
      const name = w.key.slice(CACHE_PREFIX[kind].length); // "ns/name" (or "name")
      const since = createdAt.get(w.key) ?? -Infinity;
      createdAt.set(w.key, w.time);
      const prefix = name.slice(0, name.lastIndexOf("-") + 1);
      const acts = [
        ...(sent.get(`${kind} ${name}`) ?? []).filter((a) => a.time > since),
        ...(prefix.length > 0 ? (sent.get(`${kind} ${prefix}*`) ?? []) : []),
      ];
      for (const p of new Set(acts.filter((a) => a.time <= w.time).map((a) => a.process)))
        this.own(p, w.key, w.rv, w.time);
    }
  }

  objectAt(key: string, rv: number): KubeObject | null | undefined {
    return this.versionsOf.get(key)?.get(rv);
  }

  /** An acknowledged write of `process` (answered at `time`), kept in its cache. */
  private own(process: string, key: string, rv: number, time: number): void {
    const kind = this.kinds.find((k) => key.startsWith(CACHE_PREFIX[k]));
    if (kind === undefined) return;
    const pk = `${process}/${kind}`;
    (this.ownOf.get(pk) ?? this.ownOf.set(pk, []).get(pk)!).push({ time, key, rv, kind: "own" });
    this.ownSorted = false;
  }

  /**
   * The cache of `kind` in `process` when it decided at `time`: one view per point among what it took
   * in at that very microsecond (before all of it, after each step). Empty if it had no informer yet.
   */
  viewsAt(process: string, kind: CacheKind, time: number): CacheView[] {
    if (!this.ownSorted) {
      for (const steps of this.ownOf.values()) steps.sort((a, b) => a.time - b.time);
      this.ownSorted = true;
    }
    const observers = this.observersOf.get(`${process}/${kind}`) ?? [];
    let observer: string | undefined;
    let since = -Infinity; // when the chosen informer was made (after the one before it last heard anything)
    for (let i = 0; i < observers.length; i++) {
      const first = this.stepsOf.get(observers[i]!)![0]!;
      if (first.time > time) break;
      observer = observers[i];
      if (i > 0) {
        const prev = this.stepsOf.get(observers[i - 1]!)!;
        since = prev[prev.length - 1]!.time;
      }
    }
    if (observer === undefined) return [];
    const heard = this.stepsOf.get(observer)!;
    const mine = (this.ownOf.get(`${process}/${kind}`) ?? []).filter((s) => s.time >= since);
    const items = new Map<string, number>();
    const overlay = new Map<string, { rv: number; gone: boolean }>();
    let lastSync = 0;
    const hear = (a: Step) => {
      lastSync = Math.max(lastSync, a.rv);
      if (a.kind === "list") {
        items.clear();
        for (const [k, o] of overlay) if (o.rv <= a.rv) overlay.delete(k);
        return;
      }
      if (a.kind === "deleted") items.delete(a.key);
      else items.set(a.key, a.rv);
      const o = overlay.get(a.key);
      if (o !== undefined && o.rv <= a.rv) overlay.delete(a.key);
    };
    // Informer.assume / assumeDeleted: kept unless the watch has delivered it or something newer.
    const assume = (b: Step) => {
      if (b.rv <= lastSync) return;
      const gone = this.objectAt(b.key, b.rv) === null;
      const o = overlay.get(b.key);
      const cur = gone ? items.get(b.key) : o !== undefined ? (o.gone ? undefined : o.rv) : items.get(b.key);
      if (cur !== undefined && cur >= b.rv) return;
      overlay.set(b.key, { rv: b.rv, gone });
    };
    const snapshot = (): CacheView => {
      const view: CacheView = new Map(items);
      for (const [k, o] of overlay) view.set(k, o.gone ? null : o.rv);
      return view;
    };
    const views: CacheView[] = [];
    let i = 0;
    let j = 0;
    for (;;) {
      const a = heard[i];
      const b = mine[j];
      const nextHeard = a !== undefined && a.time <= time;
      const nextMine = b !== undefined && b.time <= time;
      if (!nextHeard && !nextMine) break;
      // The informer's own events first at a tie: a write's answer that comes with its watch event is
      // then dropped as delivered, as the cache drops it.
      const step = nextHeard && (!nextMine || a.time <= b!.time) ? heard[i++]! : mine[j++]!;
      if (step.time === time && views.length === 0) views.push(snapshot());
      if (step.kind === "own") assume(step);
      else hear(step);
      // A list's items come with it: the cache takes them all at once.
      if (step.time === time && !((step.kind === "list" || step.kind === "item") && heard[i]?.kind === "item"))
        views.push(snapshot());
    }
    if (views.length === 0) views.push(snapshot());
    return views;
  }

  /** The objects a view holds (undefined if one of them was never recorded). */
  objectsOf(view: CacheView): Map<string, KubeObject> | undefined {
    const out = new Map<string, KubeObject>();
    for (const [key, rv] of view) {
      if (rv === null) continue;
      const o = this.objectAt(key, rv);
      if (o === undefined) return undefined;
      if (o !== null) out.set(key, o);
    }
    return out;
  }
}

/**
 * A decision of `process` at `time`, judged on every pair of views of two of its caches that the moment
 * allows: undefined if one of them justifies it, null if none was all recorded (`judge` says null), else
 * why the last that did not justify it did not.
 */
export function verdictOnEveryView(
  caches: CacheViews,
  process: string,
  kinds: readonly [CacheKind, CacheKind],
  time: number,
  judge: (a: CacheView, b: CacheView) => string | undefined | null,
): string | undefined | null {
  let verdict: string | undefined | null = null;
  const bs = caches.viewsAt(process, kinds[1], time);
  for (const a of caches.viewsAt(process, kinds[0], time))
    for (const b of bs) {
      const v = judge(a, b);
      if (v === undefined) return undefined;
      if (v !== null) verdict = v;
    }
  return verdict;
}

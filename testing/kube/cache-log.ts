// A store's versions and one controller process's informers, written by hand, for the tests of the checks
// that judge a controller's decisions on its cache (checkers/kube/cache-view.ts): each step one
// millisecond after the one before, unless a test gives the time.
import type { KubeObservations } from "../../core/kube/observations.ts";
import type { KubeObject } from "../../core/kube/types.ts";
import { kubeLog } from "./observations.ts";

const PREFIX = {
  Deployment: "/registry/deployments/",
  ReplicaSet: "/registry/replicasets/",
  Pod: "/registry/pods/",
  Node: "/registry/minions/",
} as const;
export type CachedKind = keyof typeof PREFIX;

export function cacheLog(process: string) {
  const log = kubeLog({ controllerWrites: [] });
  const controllerWrites = log.controllerWrites!;
  let rv = 10;
  let time = 0;
  const rvs = new Map<string, number>();
  const tick = () => (time += 1_000);
  /** A version in the store (not yet seen by the controller); returns its revision. */
  const store = (key: string, object: KubeObject | null): number => {
    rv++;
    rvs.set(key, rv);
    log.versions.push({ time: tick(), rv, key, object, source: "store" });
    return rv;
  };
  const act = (what: string, at: number, extra: { decidedAt?: number; deletes?: string } = {}) => {
    log.acts.push({
      time: at,
      process,
      identity: `${process}_1`,
      lease: `kube-system/${process}`,
      term: 1,
      what,
      ...extra,
    });
  };
  const observer = (key: string) =>
    `${process}#a/${(Object.keys(PREFIX) as CachedKind[]).find((k) => key.startsWith(PREFIX[k]))}`;
  return {
    log: log as KubeObservations,
    now: () => time,
    tick,
    rvOf: (key: string) => rvs.get(key)!,
    store,
    /** The controller's informer of `kind` lists the store's current versions of these keys (all it has). */
    list(kind: CachedKind, ...keys: string[]) {
      const t = tick();
      const who = `${process}#a/${kind}`;
      log.observed.push({ time: t, observer: who, key: PREFIX[kind], rv, event: "LIST" });
      for (const key of keys) log.observed.push({ time: t, observer: who, key, rv: rvs.get(key)!, event: "LIST" });
    },
    /** The informer's watch delivers the key's current version (now, unless `at` says when). */
    event(key: string, at = tick()) {
      log.observed.push({ time: at, observer: observer(key), key, rv: rvs.get(key)!, event: "MODIFIED" });
    },
    /** A leader act of the controller: `what` as the runtime describes the write. */
    act,
    /**
     * The `index`th write of one reconcile decided at `decidedAt`: the first is sent at the decision, the
     * later ones a step after it, naming the decision they belong to.
     */
    decisionAct(what: string, decidedAt: number, index: number, extra: { deletes?: string } = {}) {
      if (index === 0) act(what, decidedAt, extra);
      else act(what, tick(), { ...extra, decidedAt });
    },
    /** An update of the key from its current version lands as `object`, and its answer reaches the controller. */
    update(key: string, object: KubeObject) {
      const baseRv = rvs.get(key)!;
      const landed = store(key, object);
      log.writes.push({ time, apiserver: "apiserver-1", key, op: "update", baseRv, rv: landed });
      controllerWrites.push({ time: tick(), process, key, op: "update", origin: baseRv, rv: landed });
    },
    /** A create of the key lands as `object` (the apiserver logs it without its sender). */
    create(key: string, object: KubeObject) {
      const landed = store(key, object);
      log.writes.push({ time: tick(), apiserver: "apiserver-1", key, op: "create", baseRv: 0, rv: landed });
    },
  };
}

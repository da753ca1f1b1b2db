// kube-informer-reliable: an informer's watch misses nothing. Its stream delivers the changes of its
// kind in revision order, so between two consecutive watch events (no relist between them) no change
// of that kind may exist in the store: it would have had to arrive in between. A re-watch after a
// broken stream resumes from the last revision seen, so it is held to the same rule; a relist (after
// 410 Gone) starts over. The store's versions are the truth (every version in the log really existed,
// so a partial log can miss a gap but never invent one). This is the watch checker's "reliable" rule
// at the level the controllers see, over the apiservers' watch cache-less relay of etcd's streams. And a
// list is a snapshot: every object it returns is its key's version at the list's revision (a list that
// mixed revisions would leave its informer watching from past changes it never saw).
//
// And an informer never goes back in time: a relist is at or after the newest revision its informer had
// seen, and its watch delivers nothing older than what it delivered before. client-go relists "not
// older than" its last revision (kubernetes#83520), so a relist through an apiserver whose watch cache
// lags waits for it; one served the cache as it is ("0") hands a controller a past it had already left.
// (A new incarnation of a process starts from nothing and may list any past: not judged.)
//
// An informer informs on a scope: its kind, or one namespace of it (a namespaced controller's). Its
// lists are recorded at that scope's prefix, so the rules above run over the scope's changes, and
// everything it is handed — listed or watched — must lie in the scope: an apiserver that matched
// "/registry/pods/shop" as a bare string prefix handed a "shop" informer the pods of "shop-canary"
// (kubernetes#25342).
import type { CheckResult } from "../types.ts";
import type { KubeObservations } from "../../core/kube/observations.ts";
import { fmtTime, violationsResult } from "./safety.ts";

/**
 * "/registry/pods/default/x" → "/registry/pods/" (the scope of an informer of every namespace): the
 * key up to its third "/", and a "/" (the whole key and a "/" when it has fewer).
 */
export function prefixOf(key: string): string {
  let i = -1;
  for (let n = 0; n < 3; n++) {
    i = key.indexOf("/", i + 1);
    if (i < 0) return key + "/";
  }
  return key.slice(0, i + 1);
}

/** The first of the ascending revisions above a (binary search), or undefined. */
function firstAfter(rs: readonly number[] | undefined, a: number): number | undefined {
  if (rs === undefined) return undefined;
  let lo = 0;
  let hi = rs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rs[mid]! <= a) lo = mid + 1;
    else hi = mid;
  }
  return rs[lo];
}

export function checkInformerStreams(obs: KubeObservations): CheckResult {
  // Keys recur (every version and observation of one object): each key's prefix is cut once.
  const prefixes = new Map<string, string>();
  const prefixOfKey = (key: string): string => {
    let p = prefixes.get(key);
    if (p === undefined) prefixes.set(key, (p = prefixOf(key)));
    return p;
  };
  // Revisions of changes per kind prefix and per key, ascending.
  const changes = new Map<string, number[]>();
  const keyChanges = new Map<string, number[]>();
  for (const v of obs.versions) {
    const p = prefixOfKey(v.key);
    (changes.get(p) ?? changes.set(p, []).get(p)!).push(v.rv);
    (keyChanges.get(v.key) ?? keyChanges.set(v.key, []).get(v.key)!).push(v.rv);
  }
  for (const a of changes.values()) a.sort((x, y) => x - y);
  for (const a of keyChanges.values()) a.sort((x, y) => x - y);
  /** The revisions of the changes in a namespace's scope (built when an informer of it first needs them). */
  const scopeChanges = (scope: string): number[] | undefined => {
    let rs = changes.get(scope);
    if (rs === undefined) {
      rs = [];
      for (const v of obs.versions) if (v.key.startsWith(scope)) rs.push(v.rv);
      changes.set(
        scope,
        rs.sort((x, y) => x - y),
      );
    }
    return rs;
  };
  /** The first change in scope p with a < rv < b, or undefined. */
  const between = (p: string, a: number, b: number): number | undefined => {
    const r = firstAfter(scopeChanges(p), a);
    return r !== undefined && r < b ? r : undefined;
  };
  /** The first change of key k with a < rv <= b, or undefined. */
  const changedSince = (k: string, a: number, b: number): number | undefined => {
    const r = firstAfter(keyChanges.get(k), a);
    return r !== undefined && r <= b ? r : undefined;
  };
  const last = new Map<string, { rv: number; time: number; key: string } | undefined>();
  /** Each informer's last list: its revision and when it was recorded. */
  const listed = new Map<string, { rv: number; time: number }>();
  /** Each informer's newest revision seen: a list's, or a watch event's. */
  const newest = new Map<string, { rv: number; time: number; what: string }>();
  /** Each informer's scope: the prefix its lists are recorded at. */
  const scopes = new Map<string, string>();
  const violations: string[] = [];
  let checked = 0;
  let items = 0;
  let relists = 0;
  let namespaced = 0;
  for (const o of obs.observed) {
    const scope = scopes.get(o.observer);
    if (scope !== undefined && !o.key.startsWith(scope) && !(o.event === "LIST" && o.key.endsWith("/"))) {
      violations.push(
        `${o.observer} informs on ${scope} but was handed ${o.key} at rv ${o.rv} (${o.event === "LIST" ? "in a list" : `${o.event === "ADDED" ? "an" : "a"} ${o.event} event`}, ${fmtTime(o.time)}), outside it`,
      );
      continue;
    }
    const seen = newest.get(o.observer);
    if (seen !== undefined && o.rv < seen.rv && (o.event !== "LIST" || o.key.endsWith("/"))) {
      violations.push(
        o.event === "LIST"
          ? `${o.observer} went back in time: it relisted at rv ${o.rv} (${fmtTime(o.time)}) after it had seen rv ${seen.rv} (${seen.what}, ${fmtTime(seen.time)})`
          : `${o.observer} went back in time: its watch delivered ${o.key} at rv ${o.rv} (${fmtTime(o.time)}) after it had seen rv ${seen.rv} (${seen.what}, ${fmtTime(seen.time)})`,
      );
    } else if (o.event !== "LIST" || o.key.endsWith("/")) {
      if (seen !== undefined && o.event === "LIST") relists++;
      if (seen === undefined || o.rv > seen.rv)
        newest.set(o.observer, { rv: o.rv, time: o.time, what: o.event === "LIST" ? "a list" : `${o.event} ${o.key}` });
    }
    if (o.event === "LIST") {
      if (o.key.endsWith("/")) {
        // A relist, recorded as its prefix at the list's revision, then each object it returned: the watch
        // starts again from that revision, so the first event after it is held to the same rule.
        listed.set(o.observer, { rv: o.rv, time: o.time });
        last.set(o.observer, { rv: o.rv, time: o.time, key: o.key });
        if (scope === undefined && o.key !== prefixOf(o.key)) namespaced++;
        scopes.set(o.observer, o.key);
        continue;
      }
      // A list at a revision is one snapshot (the continue token of every next page keeps the first page's
      // revision): each object in it is the key's version as of the list's revision.
      const l = listed.get(o.observer);
      if (l !== undefined && o.rv < l.rv) {
        items++;
        const changed = changedSince(o.key, o.rv, l.rv);
        if (changed !== undefined)
          violations.push(
            `${o.observer} listed ${o.key} at rv ${o.rv} in a list at rv ${l.rv} (${fmtTime(l.time)}), but it had changed at rv ${changed}: the list is no snapshot`,
          );
      }
      continue;
    }
    const prev = last.get(o.observer);
    if (prev !== undefined && o.rv > prev.rv) {
      checked++;
      const within = scope ?? prefixOfKey(o.key);
      const missed = between(within, prev.rv, o.rv);
      if (missed !== undefined) {
        const what = obs.versions.find((v) => v.rv === missed && v.key.startsWith(within));
        violations.push(
          `${o.observer} missed ${what?.key ?? "a change"} at rv ${missed}: its watch delivered rv ${prev.rv} (${fmtTime(prev.time)}) and then rv ${o.rv} (${fmtTime(o.time)})`,
        );
      }
    }
    last.set(o.observer, { rv: o.rv, time: o.time, key: o.key });
  }
  return violationsResult(
    "kube-informer-reliable",
    violations,
    `${checked} consecutive watch events across ${last.size} informers${namespaced > 0 ? ` (${namespaced} of one namespace, handed nothing outside it)` : ""}, no change of their ${namespaced > 0 ? "scope" : "kind"} skipped; ${items} listed objects, each its key's version at its list's revision; ${relists} relists, none behind what their informer had seen`,
  );
}

// The etcd topology: members n1..nN as simulated processes (the initial configuration, then spares
// started outside it), every member wired to the run's observer registry, and the symbolic fault
// targets a schedule may name (@leader, @follower…), resolved from the members' Raft state.
import { EtcdMember, type MemberOptions } from "../../core/etcd/member.ts";
import type { World } from "../../sim/world.ts";
import type { SimRun } from "../run/run.ts";
import type { MvccStore } from "../../core/mvcc/store.ts";

export function memberNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `n${i + 1}`);
}

export interface EtcdTopology {
  /** The initial configuration. */
  members: string[];
  /** Every member process: the initial configuration, then the spares. */
  processes: string[];
  /** The member's current incarnation (undefined while crashed). */
  member(id: string): EtcdMember | undefined;
  /** Whether some member of the initial configuration leads. */
  hasLeader(): boolean;
}

/** Spawns `members` + `spares` etcd members; `options` is everything but the peers and the hooks. */
export function startEtcdCluster(
  run: SimRun,
  o: { members: number; spares?: number; options: Omit<MemberOptions, "peers" | "hooks"> },
): EtcdTopology {
  const members = memberNames(o.members);
  const processes = memberNames(o.members + (o.spares ?? 0));
  const hooks = run.observe.memberHooks();
  for (const id of processes)
    run.world.spawn(id, (env) => new EtcdMember(env, { peers: members, ...o.options, hooks }));
  const member = (id: string) => run.world.process(id).actor as EtcdMember | undefined;
  return {
    members,
    processes,
    member,
    // Asked between events: read the node's role directly rather than building a status object.
    hasLeader: () => members.some((m) => member(m)?.driver.node.roleKind === "leader"),
  };
}

/**
 * Symbolic fault targets, resolved when a fault starts (so a schedule can name roles, not members):
 * - "@leader": the running member that leads in the highest term;
 * - "@stale-leader": a member (running or paused) that still believes it leads although another
 *   member is in a higher term — a deposed leader that has not noticed yet;
 * - "@follower": the running member, other than the leader, furthest behind (the shortest log);
 * - "@other": as "@follower", but never the member the latest binding named (so one fault can name two
 *   followers: from "@follower=F" to "@other=N");
 * - "@leader=X", "@follower=X", "@other=X": as above, and the member is remembered as X for the rest of the run;
 * - "@X": the member remembered as X.
 * A target that resolves to nothing turns the fault into a no-op (see Nemesis).
 */
export function symbolicTargets(world: World, members: readonly string[]): (name: string) => string | undefined {
  const bound = new Map<string, string>();
  const raftStatus = (m: string) => {
    const p = world.process(m);
    const a = p.actor as EtcdMember | undefined;
    return p.status === "crashed" || a === undefined ? undefined : { up: p.status === "up", ...a.driver.status() };
  };
  const leader = (): string | undefined => {
    let best: { id: string; term: number } | undefined;
    for (const m of members) {
      const st = raftStatus(m);
      if (st?.up === true && st.role === "leader" && (best === undefined || st.term > best.term))
        best = { id: m, term: st.term };
    }
    return best?.id;
  };
  const staleLeader = (): string | undefined => {
    const terms = members.map((m) => raftStatus(m)?.term ?? 0);
    const maxTerm = Math.max(...terms);
    return members.find((m, i) => raftStatus(m)?.role === "leader" && terms[i]! < maxTerm);
  };
  let lastBound: string | undefined;
  const follower = (except: string | undefined): string | undefined => {
    const l = leader();
    let best: { id: string; lastIndex: number } | undefined;
    for (const m of members) {
      const st = raftStatus(m);
      if (m === l || m === except || st?.up !== true) continue;
      if (best === undefined || st.lastIndex < best.lastIndex) best = { id: m, lastIndex: st.lastIndex };
    }
    return best?.id;
  };
  return (name) => {
    const [role, label] = name.slice(1).split("=") as [string, string | undefined];
    let m: string | undefined;
    if (role === "leader") m = leader();
    else if (role === "stale-leader") m = staleLeader();
    else if (role === "follower") m = follower(undefined);
    else if (role === "other") m = follower(lastBound ?? "");
    else m = bound.get(role);
    if (label !== undefined && m !== undefined) {
      bound.set(label, m);
      lastBound = m;
    }
    return m;
  };
}

/** A member's HashKV at its own revision, as the cross-member check compares it (an error instead of a hash fails it). */
export function storeHash(
  member: string,
  store: MvccStore,
): { member: string; revision: number; hash?: string; error?: string } {
  const h = store.hashKV(0);
  return "hash" in h
    ? { member, revision: store.revision, hash: String(h.hash) }
    : { member, revision: store.revision, error: h.error };
}

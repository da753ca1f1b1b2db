// Test support: one etcd member (n1) and one client (c1) on a simulated world, run until n1 leads, the
// rig the member-level tests share.
import type { Env } from "../../core/env.ts";
import { EtcdClient, HistoryRecorder } from "../../core/etcd/client.ts";
import { EtcdMember, type MemberOptions } from "../../core/etcd/member.ts";
import { World } from "../../sim/world.ts";

export interface OneMemberOptions {
  seed?: number;
  /** Options of the member beyond its peers. */
  member?: Partial<MemberOptions>;
  /** What the member sees of its environment (a lossy send, say). */
  memberEnv?: (env: Env) => Env;
  /** The client's request and stream timeout (µs; default 1 s). */
  timeoutUs?: number;
}

export function oneMemberCluster(opts: OneMemberOptions = {}) {
  const world = new World({ seed: opts.seed ?? 3 });
  let member: EtcdMember | undefined;
  world.spawn(
    "n1",
    (env) => (member = new EtcdMember(opts.memberEnv?.(env) ?? env, { peers: ["n1"], ...opts.member })),
  );
  const recorder = new HistoryRecorder(() => world.now);
  let client: EtcdClient | undefined;
  world.spawn("c1", (env) => {
    client = new EtcdClient(env, {
      clientId: 1,
      members: ["n1"],
      requestTimeoutUs: opts.timeoutUs ?? 1_000_000,
      streamTimeoutUs: opts.timeoutUs ?? 1_000_000,
      recorder,
    });
    return { onMessage: (from, msg) => void client?.onMessage(from, msg) };
  });
  world.runUntil(1_000_000); // a leader
  return { world, client: client!, member: member!, recorder };
}

// Applying a RealFault to a running cluster and reverting it: signals to processes, rules to proxies,
// maintenance and membership calls. Network faults are kept as state, and every proxy's rule function
// reads it, so overlapping faults compose and a heal clears them all at once.
import type { EtcdCluster, Member } from "./cluster.ts";
import type { LinkRule, RuleFn } from "./proxy.ts";
import { describeRealFault, type RealFault } from "./schedule.ts";

export interface Applied {
  fault: RealFault;
  /** The member the fault hit ("@leader" resolved), if it names one. */
  target: string | undefined;
  /** µs since the run started. */
  start: number;
  end: number | undefined;
  /** What happened ("applied", "no leader to target", the refusal of a member change…). */
  outcome: string;
  revert(): Promise<void>;
}

type NetFault =
  | { kind: "isolate"; target: string }
  | { kind: "oneway"; from: string; to: string }
  | { kind: "delay"; target: string; ms: number }
  | { kind: "drop"; target: string; p: number };

/** Active network faults per cluster. */
const netState = new WeakMap<EtcdCluster, Set<NetFault>>();

function state(c: EtcdCluster): Set<NetFault> {
  let s = netState.get(c);
  if (s === undefined) {
    s = new Set();
    netState.set(c, s);
    for (const m of c.members) {
      m.peerProxy.rules = peerRule(c, m, s);
      m.clientProxy.rules = clientRule(m, s);
    }
  }
  return s;
}

function merge(into: LinkRule, r: LinkRule): LinkRule {
  return {
    delayMs: Math.max(into.delayMs ?? 0, r.delayMs ?? 0),
    dropP: Math.max(into.dropP ?? 0, r.dropP ?? 0),
    blackhole: (into.blackhole ?? false) || (r.blackhole ?? false),
  };
}

/** The rule on member m's peer port. "up" carries bytes from the dialing peer to m, "down" from m back. */
function peerRule(c: EtcdCluster, m: Member, s: Set<NetFault>): RuleFn {
  return (dir, fromHex) => {
    if (s.size === 0) return undefined;
    const peer = fromHex === undefined ? undefined : c.nameOfHex(fromHex);
    const sender = dir === "up" ? peer : m.name;
    const receiver = dir === "up" ? m.name : peer;
    let out: LinkRule = {};
    for (const f of s) {
      switch (f.kind) {
        case "isolate":
          // Unknown senders (probes, a member that has not said who it is) are cut too when m is the one isolated.
          if (m.name === f.target || peer === f.target) out = merge(out, { blackhole: true });
          break;
        case "oneway":
          if (sender === f.from && receiver === f.to) out = merge(out, { blackhole: true });
          break;
        case "delay":
          if (m.name === f.target || peer === f.target) out = merge(out, { delayMs: f.ms });
          break;
        case "drop":
          if (m.name === f.target || peer === f.target) out = merge(out, { dropP: f.p });
          break;
      }
    }
    return out;
  };
}

/** Clients reach an isolated member (as in the simulator); delay and drop hit its client port too. */
function clientRule(m: Member, s: Set<NetFault>): RuleFn {
  return () => {
    let out: LinkRule = {};
    for (const f of s) {
      if (f.kind === "delay" && f.target === m.name) out = merge(out, { delayMs: f.ms });
      if (f.kind === "drop" && f.target === m.name) out = merge(out, { dropP: f.p });
    }
    return out;
  };
}

export async function applyFault(
  c: EtcdCluster,
  f: RealFault,
  now: () => number,
  log: (s: string) => void,
): Promise<Applied> {
  const start = now();
  let target: string | undefined = "target" in f ? f.target : undefined;
  if (target === "@leader") target = await c.leader();
  const a: Applied = { fault: f, target, start, end: undefined, outcome: "applied", revert: async () => {} };
  const say = () =>
    log(
      `${(start / 1e6).toFixed(1)}s  ${describeRealFault(f)}${"target" in f && f.target === "@leader" ? ` (leader: ${target ?? "none"})` : ""}: ${a.outcome}`,
    );
  if ("target" in f && target === undefined) {
    a.outcome = "no leader to target";
    say();
    return a;
  }
  const t = target!;
  const net = state(c);
  switch (f.kind) {
    case "kill":
      await c.kill(t);
      a.revert = async () => c.restart(t);
      break;
    case "stop":
      await c.terminate(t);
      a.revert = async () => c.restart(t);
      break;
    case "pause":
      c.pause(t);
      a.revert = async () => c.resume(t);
      break;
    case "isolate":
    case "delay":
    case "drop": {
      const nf: NetFault =
        f.kind === "isolate"
          ? { kind: "isolate", target: t }
          : f.kind === "delay"
            ? { kind: "delay", target: t, ms: f.ms }
            : { kind: "drop", target: t, p: f.p };
      net.add(nf);
      a.revert = async () => {
        net.delete(nf);
        for (const m of c.members) {
          m.peerProxy.heal();
          m.peerProxy.rules = peerRule(c, m, net);
          m.clientProxy.heal();
          m.clientProxy.rules = clientRule(m, net);
        }
      };
      break;
    }
    case "oneway": {
      const nf: NetFault = { kind: "oneway", from: f.from, to: f.to };
      net.add(nf);
      a.revert = async () => {
        net.delete(nf);
        for (const m of c.members) {
          m.peerProxy.heal();
          m.peerProxy.rules = peerRule(c, m, net);
        }
      };
      break;
    }
    case "defrag": {
      const r = await c.endpoint(t).defragment(10_000);
      a.outcome = r.ok ? "defragmented" : `defragment failed: ${r.unknown ? r.reason : r.error}`;
      break;
    }
    case "replace":
      a.outcome = await c.replace(t, 3000);
      break;
  }
  say();
  return a;
}

/** Every fault off: processes resumed and restarted, proxies cleared (corrupted connections reset). */
export async function healAll(c: EtcdCluster): Promise<void> {
  const net = state(c);
  net.clear();
  for (const m of c.members) {
    if (m.paused) c.resume(m.name);
    if (m.proc === undefined && m.inCluster) c.restart(m.name);
    m.peerProxy.heal();
    m.clientProxy.heal();
    m.peerProxy.rules = peerRule(c, m, net);
    m.clientProxy.rules = clientRule(m, net);
  }
}

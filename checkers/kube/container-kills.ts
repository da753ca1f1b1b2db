// kube-container-kills: the nemesis's container-kill does what it says. A kill handed to a node whose
// runtime runs a container ends one of them at once: the runtime's next event is that container's
// exit. Without this, a kubelet that ignored the signal would leave container-crashes testing nothing,
// every seed passing with no container ever dead.
import type { NodeEvent } from "../../core/kube/observations.ts";
import type { CheckResult } from "../types.ts";

/** A kill handed to `node` at `time`, when the node event log held `at` events. */
export interface KillDelivered {
  time: number;
  node: string;
  at: number;
}

const MAX_VIOLATIONS = 20;

export function checkContainerKills(events: readonly NodeEvent[], kills: readonly KillDelivered[]): CheckResult {
  const name = "kube-container-kills";
  if (kills.length === 0) return { name, verdict: "pass", message: "no container-kill was delivered" };
  const running = new Map<string, Set<string>>();
  const on = (node: string) => running.get(node) ?? running.set(node, new Set()).get(node)!;
  const bad: string[] = [];
  let next = 0;
  let ended = 0;
  const ordered = [...kills].sort((a, b) => a.at - b.at);
  for (const kill of ordered) {
    for (; next < kill.at && next < events.length; next++) {
      const e = events[next]!;
      if (e.kind === "reboot") on(e.node).clear();
      else if (e.kind === "running") on(e.node).add(e.uid);
      else if (e.kind === "stopped" || e.kind === "exited") on(e.node).delete(e.uid);
    }
    const live = on(kill.node);
    if (live.size === 0) continue;
    const after = events[kill.at];
    if (after !== undefined && after.node === kill.node && after.kind === "exited" && live.has(after.uid)) {
      ended++;
      continue;
    }
    if (bad.length < MAX_VIOLATIONS)
      bad.push(
        `a container-kill reached ${kill.node} at ${(kill.time / 1000).toFixed(1)}ms while it ran ${live.size} container${live.size === 1 ? "" : "s"} (${[...live].sort().join(", ")}), and ${after === undefined ? "nothing followed" : `the next node event was ${after.node}'s ${after.kind}`}`,
      );
  }
  if (bad.length > 0) return { name, verdict: "fail", message: bad.join("; ") };
  return {
    name,
    verdict: "pass",
    message: `${kills.length} container-kills delivered; each of the ${ended} that found a container running ended one at once`,
  };
}

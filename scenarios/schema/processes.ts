// The process names and symbolic targets a fault may name, per scenario family. Process names are fixed
// by the options, so a schedule is checked before the run; a symbolic target ("@leader") is resolved
// when the fault starts, and one that cannot resolve by name at all is an error here (the nemesis would
// otherwise turn the fault into a no-op).
import type { Family } from "./options.ts";

const seq = (n: number, prefix: string) => Array.from({ length: Math.max(0, n) }, (_, i) => `${prefix}${i + 1}`);

/** The processes of the namespaced ready-count controllers a Kubernetes run's options ask for (two each). */
export function readyCountProcesses(o: { readyCountNamespaces?: unknown }): string[] {
  const namespaces = Array.isArray(o.readyCountNamespaces) ? (o.readyCountNamespaces as string[]) : [];
  return namespaces.flatMap((ns) => seq(2, `ctrl-ready-count-${ns}-`));
}

export function processNames(family: Family, o: Record<string, unknown>): string[] {
  const n = (k: string) => (typeof o[k] === "number" ? (o[k] as number) : 0);
  switch (family) {
    case "kv":
      return seq(n("members") + n("spares"), "n");
    case "kube":
      return [
        ...seq(n("members"), "n"),
        ...seq(n("apiservers"), "apiserver-"),
        "kcm-1",
        "kcm-2",
        "scheduler-1",
        "scheduler-2",
        ...seq(n("nodes"), "node-"),
        ...readyCountProcesses(o),
        ...(o["drainFinalizer"] === true ? seq(2, "ctrl-drain-") : []),
      ];
    case "selftest":
      return seq(n("processes"), "p");
  }
}

/**
 * Processes that only a pause may name: an etcd scenario's clients `c1`…`cN` (a stalled client, as
 * lease-sessions stages around its leases' TTL). A client cut off or crashed is not a fault this
 * testbed models: its history would lose operations it had in flight.
 */
export function pausableOnly(family: Family, o: Record<string, unknown>): string[] {
  return family === "kv" && typeof o.clients === "number" ? seq(o.clients, "c") : [];
}

/** Symbolic roles per family; "@role=LABEL" binds a label that later faults name as "@LABEL" (etcd only). */
export const SYMBOLIC_ROLES: Record<Family, readonly string[]> = {
  kv: ["leader", "stale-leader", "follower", "other"],
  kube: ["leader", "scheduler-leader", "scheduler-apiserver", "kcm-leader"],
  selftest: [],
};

/**
 * Checks one name. `labels` holds the labels bound by earlier faults (in start order); a binding
 * "@role=LABEL" adds to it. Returns an error text, or undefined when the name is fine.
 */
export function checkName(
  family: Family,
  name: unknown,
  known: readonly string[],
  labels: Set<string>,
): string | undefined {
  if (typeof name !== "string") return "must be a process name";
  if (!name.startsWith("@")) {
    return known.includes(name)
      ? undefined
      : `names no process of this run: "${name}" (processes: ${known.join(", ")}${SYMBOLIC_ROLES[family].length ? `; symbolic: ${SYMBOLIC_ROLES[family].map((r) => "@" + r).join(", ")}` : ""})`;
  }
  const [role, label, extra] = name.slice(1).split("=");
  const roles = SYMBOLIC_ROLES[family];
  if (extra !== undefined || role === "") return `is not a symbolic target: "${name}"`;
  if (roles.includes(role!)) {
    if (label !== undefined) {
      if (family !== "kv") return `cannot bind a label here: "${name}" (labels are for etcd scenarios)`;
      if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(label) || roles.includes(label))
        return `has a bad label "${label}" (letters, digits, - and _; not a role name)`;
      labels.add(label);
    }
    return undefined;
  }
  if (label !== undefined)
    return `is not a symbolic target: "${name}" (roles: ${roles.map((r) => "@" + r).join(", ") || "none in this scenario"})`;
  if (family === "kv" && labels.has(role!)) return undefined;
  return `cannot resolve: "${name}" is neither a role (${roles.map((r) => "@" + r).join(", ") || "none in this scenario"}) nor a label bound by an earlier fault ("@leader=${role}")`;
}

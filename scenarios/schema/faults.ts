// The fault kinds a scenario file (or replay) may schedule: one entry per kind. To add a kind, add one
// entry here (its fields and the process names it names); the loader, the README table and the
// bad-input tests pick it up.
import { z } from "zod";
import { MAX_SKEW_US, MAX_US, prob, proc, procs, us } from "./fields.ts";

interface FaultKindSpec {
  /** One line for the README. */
  doc: string;
  /** The kind's own fields (at/until/kind are common). */
  fields: z.ZodRawShape;
  /** Every process name (or symbolic target) the fault names, to check against the run's processes. */
  names(f: Record<string, unknown>): unknown[];
  /** Must the fault end (`until` required)? */
  needsUntil?: boolean;
}

const one = (k: string) => (f: Record<string, unknown>) => [f[k]];
const flat =
  (...ks: string[]) =>
  (f: Record<string, unknown>) =>
    ks.flatMap((k) => {
      const v = f[k];
      return Array.isArray(v) ? v.flat(2) : v === undefined ? [] : [v];
    });

export const FAULT_SPECS = {
  partition: {
    doc: "links between different groups are cut both ways",
    fields: { groups: z.array(procs()).min(1).max(64) },
    names: flat("groups"),
  },
  "partition-oneway": {
    doc: "messages from `from` to `to` are dropped; the other direction works",
    fields: { from: procs(), to: procs() },
    names: flat("from", "to"),
  },
  isolate: {
    doc: "one process cut off from all others (or only from those in `among`)",
    fields: { target: proc(), among: procs().optional() },
    names: flat("target", "among"),
  },
  bridge: {
    doc: "two sides that reach each other only through the `bridge` process",
    fields: { sides: z.tuple([procs(), procs()]), bridge: proc() },
    names: flat("sides", "bridge"),
  },
  loss: { doc: "every message is lost with probability `p`", fields: { p: prob() }, names: () => [] },
  delay: { doc: "every message takes `extraUs` longer", fields: { extraUs: us(0, 60_000_000) }, names: () => [] },
  duplicate: { doc: "every message is delivered twice with probability `p`", fields: { p: prob() }, names: () => [] },
  clog: {
    doc: "the link `from` → `to` holds every message until the clog ends (`until` required)",
    fields: { from: proc(), to: proc() },
    names: flat("from", "to"),
    needsUntil: true,
  },
  crash: {
    doc: "the process crashes (its disk `clean`, `torn` or `corrupt`) and restarts at `until`",
    fields: { target: proc(), disk: z.enum(["clean", "torn", "corrupt"]).optional() },
    names: one("target"),
  },
  stop: {
    doc: "a graceful stop: the process winds down (an etcd leader first hands leadership to the peer it has heard from longest, as etcd's Stop does), exits with its disk synced, and restarts at `until`",
    fields: { target: proc() },
    names: one("target"),
  },
  pause: {
    doc: "the process stops running until `until` (a GC or VM stall)",
    fields: { target: proc() },
    names: one("target"),
  },
  skew: {
    doc: "the process's wall clock jumps by `byUs`",
    fields: { target: proc(), byUs: z.number().min(-MAX_SKEW_US).max(MAX_SKEW_US).int().meta({ unit: "µs" }) },
    names: one("target"),
  },
  drift: {
    doc: "the process's clock runs `ppm` parts per million fast (or slow, negative)",
    fields: { target: proc(), ppm: z.number().min(-999_999).max(1_000_000).int().meta({ unit: "ppm" }) },
    names: one("target"),
  },
  "disk-slow": {
    doc: "every disk write of the process takes `extraUs` longer",
    fields: { target: proc(), extraUs: us(0, 60_000_000) },
    names: one("target"),
  },
  "container-kill": {
    doc: "one running container of the node's pods dies at once (its kubelet restarts it after a back-off: 1 s, doubling to 8 s); a no-op on a process without containers",
    fields: { target: proc() },
    names: one("target"),
  },
  "slow-messages": {
    doc: "each message is held back with probability `p` by a heavy-tailed delay of up to `maxUs` (reordering across rounds)",
    fields: { p: prob(), maxUs: us(0, 60_000_000) },
    names: () => [],
  },
  swizzle: {
    doc: "FoundationDB's swizzle clog: the `links` ([from, to] pairs) stop one after another `stepUs` apart and are released in reverse order (`until` required)",
    fields: {
      links: z
        .array(z.tuple([proc(), proc()]))
        .min(1)
        .max(64),
      stepUs: us(0, 60_000_000),
    },
    names: flat("links"),
    needsUntil: true,
  },
} satisfies Record<string, FaultKindSpec>;

export type FaultKindName = keyof typeof FAULT_SPECS;
export const FAULT_KIND_NAMES = Object.keys(FAULT_SPECS) as FaultKindName[];

/** The schema of one fault of the given kind (strict: unknown fields are errors). */
export function faultSchema(kind: FaultKindName) {
  const spec: FaultKindSpec = FAULT_SPECS[kind];
  return z.strictObject({
    at: us(0).describe("when the fault starts"),
    until: spec.needsUntil
      ? us(0).describe("when it ends")
      : us(0).optional().describe("when it ends (absent: at heal)"),
    kind: z.literal(kind),
    ...spec.fields,
  });
}

export function faultSpec(kind: FaultKindName): FaultKindSpec {
  return FAULT_SPECS[kind];
}

export { MAX_US };

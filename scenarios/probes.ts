// Every layer's code-probe catalog in one place (core/probes.ts counts them), and what a run or a
// sweep reached: how often each probe fired, in how many seeds, and which were never hit.
//
// A layer adds its catalog here with one import and one line in PROBE_CATALOGS.
import type { ProbeCatalog, ProbeSpec } from "../core/probes.ts";
import { SIM_PROBES } from "../sim/probes.ts";
import { MVCC_PROBES } from "../core/mvcc/probes.ts";
import { ETCD_PROBES } from "../core/etcd/probes.ts";
import { LEADERELECTION_PROBES } from "../core/kube/leaderelection.ts";
import { RAFT_PROBES } from "../core/raft/probes.ts";
import { KUBE_PROBES } from "../core/kube/probes.ts";
import { AUTH_PROBES } from "../core/etcd/auth-member.ts";

/** Layer → its catalog. Probe names are unique across layers (each is prefixed with its layer). */
export const PROBE_CATALOGS: Readonly<Record<string, ProbeCatalog>> = {
  sim: SIM_PROBES,
  raft: RAFT_PROBES,
  mvcc: MVCC_PROBES,
  etcd: ETCD_PROBES,
  leaderelection: LEADERELECTION_PROBES,
  kube: KUBE_PROBES,
  auth: AUTH_PROBES,
};

export interface ProbeInfo extends ProbeSpec {
  name: string;
  layer: string;
}

/** Every declared probe, layer by layer in catalog order. */
export function allProbes(): ProbeInfo[] {
  const out: ProbeInfo[] = [];
  for (const [layer, catalog] of Object.entries(PROBE_CATALOGS)) {
    for (const [name, spec] of Object.entries(catalog)) out.push({ name, layer, ...spec });
  }
  return out;
}

export interface ProbeRow {
  name: string;
  layer: string;
  required: boolean;
  what: string;
  /** Times it fired, over all runs. */
  hits: number;
  /** Runs (seeds) in which it fired at least once. */
  runs: number;
}

export interface ProbeTable {
  /** Every declared probe, hit or not, in catalog order; then any fired probe no catalog declares. */
  rows: ProbeRow[];
  runs: number;
  neverHit: string[];
  /** Required probes never hit: a CI sweep fails on these. */
  requiredNeverHit: string[];
}

/** Aggregates the per-run counts (RunResult.probes) of one or many runs. */
export function probeTable(perRun: readonly Readonly<Record<string, number>>[]): ProbeTable {
  const rows = allProbes().map(
    (p): ProbeRow => ({ name: p.name, layer: p.layer, required: p.required === true, what: p.what, hits: 0, runs: 0 }),
  );
  const byName = new Map(rows.map((r) => [r.name, r]));
  for (const counts of perRun) {
    for (const name of Object.keys(counts).sort()) {
      const n = counts[name]!;
      let row = byName.get(name);
      if (row === undefined) {
        row = {
          name,
          layer: name.split(".")[0] ?? "?",
          required: false,
          what: "(not in any catalog)",
          hits: 0,
          runs: 0,
        };
        rows.push(row);
        byName.set(name, row);
      }
      row.hits += n;
      if (n > 0) row.runs++;
    }
  }
  const neverHit = rows.filter((r) => r.hits === 0).map((r) => r.name);
  return {
    rows,
    runs: perRun.length,
    neverHit,
    requiredNeverHit: rows.filter((r) => r.required && r.hits === 0).map((r) => r.name),
  };
}

/**
 * The CI probe sweep: a few seeds of the scenarios that between them reach every required probe.
 * `npm test` runs it (scenarios/probes.test.ts) and fails if a required probe is never hit; a layer
 * that adds a required probe no listed scenario reaches adds seeds or a scenario here.
 */
export const CI_PROBE_SWEEP: readonly { scenario: string; seeds: number }[] = [
  { scenario: "kv-chaos", seeds: 24 },
  { scenario: "kv-crash", seeds: 12 },
  { scenario: "sim-selftest", seeds: 40 },
  { scenario: "watch-compaction", seeds: 3 },
  { scenario: "deployment-rollout", seeds: 6 },
];

// The named scenarios (their names are a contract: docs/FORMATS.md, README), listed here explicitly:
// importing the registry is what makes them known, in every process (CLI, sweep worker, test).
import type { ScenarioDef } from "./types.ts";
import { simSelftest } from "./sim-selftest.ts";
import { ETCD_SCENARIOS } from "./etcd/scenarios.ts";
import { KUBE_SCENARIOS } from "./kube/scenarios.ts";
import { quotaPressure } from "./kube/quota-pressure.ts";
import { authRevoke } from "./etcd/auth-revoke.ts";
import { slowDisk } from "./kube/slow-disk.ts";
import { compactedDeletes } from "./kube/compacted-deletes.ts";
import { containerCrashes } from "./kube/container-crashes.ts";
import { tightNodes } from "./kube/tight-nodes.ts";
import { nodeFailures } from "./kube/node-failures.ts";
import { watchCache } from "./kube/watch-cache.ts";
import { tenants } from "./kube/tenants.ts";
import { terminatingPods } from "./kube/terminating-pods.ts";
import { controlPlaneUpgrade } from "./kube/control-plane-upgrade.ts";

const all: ScenarioDef[] = [
  simSelftest,
  ...ETCD_SCENARIOS,
  ...KUBE_SCENARIOS,
  quotaPressure,
  authRevoke,
  slowDisk,
  compactedDeletes,
  containerCrashes,
  tightNodes,
  nodeFailures,
  watchCache,
  tenants,
  terminatingPods,
  controlPlaneUpgrade,
];

/** Adds a scenario built in code (e.g. withControllers) so the loader and the CLI find it by name. */
export function registerScenario(s: ScenarioDef): void {
  if (!all.some((x) => x.name === s.name)) all.push(s);
}

export function scenarios(): readonly ScenarioDef[] {
  return all;
}

export function findScenario(name: string): ScenarioDef | undefined {
  return all.find((s) => s.name === name);
}

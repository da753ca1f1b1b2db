// Imports every scenario module so the registry knows them all.
import { registerScenario } from "./registry.ts";
import { ETCD_SCENARIOS } from "./etcd/scenarios.ts";
import { KUBE_SCENARIOS } from "./kube/scenarios.ts";
import type { ScenarioDef } from "./types.ts";
import { quotaPressure } from "./kube/quota-pressure.ts";
import { authRevoke } from "./etcd/auth-revoke.ts";

for (const s of ETCD_SCENARIOS) registerScenario(s as unknown as ScenarioDef);
for (const s of KUBE_SCENARIOS) registerScenario(s as unknown as ScenarioDef);
registerScenario(quotaPressure as unknown as ScenarioDef);
registerScenario(authRevoke as unknown as ScenarioDef);

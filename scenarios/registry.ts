// The named scenarios (their names are a contract: docs/FORMATS.md, README).
import type { ScenarioDef } from "./types.ts";
import { simSelftest } from "./sim-selftest.ts";

const all: ScenarioDef[] = [simSelftest as unknown as ScenarioDef];

export function registerScenario(s: ScenarioDef): void {
  if (!all.some((x) => x.name === s.name)) all.push(s);
}

export function scenarios(): readonly ScenarioDef[] {
  return all;
}

export function findScenario(name: string): ScenarioDef | undefined {
  return all.find((s) => s.name === name);
}

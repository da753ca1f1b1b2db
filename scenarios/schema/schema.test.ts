// The schema against the scenarios it describes: every option a scenario resolves and every fault kind
// the nemesis knows has a schema entry; what the scenarios themselves generate passes it; the README's
// tables are the ones the schema generates.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { scenarios } from "../registry.ts";
import { resolveRun } from "../runner.ts";
import { FAULT_KINDS } from "../../sim/nemesis.ts";
import { UsageError } from "../types.ts";
import { FAULT_SPECS } from "./faults.ts";
import { FAMILIES, familyOf } from "./options.ts";
import { checkFaultNames, validateFaults, validateOptions } from "./file.ts";
import { withTables } from "./table.ts";

const bad = (f: string, w: string) => new UsageError(`field "${f}" ${w}`);

test("every fault kind of the nemesis has a schema entry (add one to scenarios/schema/faults.ts)", () => {
  assert.equal(Object.keys(FAULT_SPECS).sort(), [...FAULT_KINDS].sort());
});

test("every option a scenario resolves has a schema line (add one to scenarios/schema/options.ts)", () => {
  for (const s of scenarios()) {
    const o = resolveRun(s, 1).options;
    const shape = FAMILIES[familyOf(o)].shape;
    for (const k of Object.keys(o)) assert.ok(k in shape, `${s.name}: options.${k} has no schema line`);
  }
});

test("what every scenario generates for 60 seeds passes the schema: options, faults, names, labels", () => {
  for (const s of scenarios()) {
    for (let seed = 0; seed < 60; seed++) {
      const r = resolveRun(s, seed);
      const o = validateOptions(r.options, {}, bad);
      const faults = validateFaults(JSON.parse(JSON.stringify(r.faults)), bad);
      checkFaultNames(faults, o, bad);
    }
  }
});

test("a file's options merge into the scenario's, nested objects key by key", () => {
  const s = scenarios().find((x) => x.name === "smoke")!;
  const o = validateOptions(resolveRun(s, 0).options, { traffic: { put: 50 }, members: 5 }, bad) as {
    traffic: Record<string, number>;
    members: number;
  };
  assert.is(o.members, 5);
  assert.is(o.traffic.put, 50);
  assert.is(o.traffic.get, 20);
});

test("an option a scenario resolves but the schema does not list yet is checked by type only", () => {
  const s = scenarios().find((x) => x.name === "smoke")!;
  const template = { ...resolveRun(s, 0).options, futureKnob: 3 };
  assert.is((validateOptions(template, { futureKnob: 4 }, bad) as { futureKnob: number }).futureKnob, 4);
  assert.throws(() => validateOptions(template, { futureKnob: "x" }, bad), /options\.futureKnob" must be a number/);
});

test("labels: @leader=L binds L for later faults, not earlier ones", () => {
  const s = scenarios().find((x) => x.name === "smoke")!;
  const o = resolveRun(s, 0).options;
  const ok = validateFaults(
    [
      { at: 5, kind: "pause", target: "@L" },
      { at: 1, kind: "isolate", target: "@leader=L" },
    ],
    bad,
  );
  checkFaultNames(ok, o, bad);
  const late = validateFaults(
    [
      { at: 1, kind: "pause", target: "@L" },
      { at: 5, kind: "isolate", target: "@leader=L" },
    ],
    bad,
  );
  assert.throws(() => checkFaultNames(late, o, bad), /faults\[0\]\.target" cannot resolve: "@L"/);
});

test("an etcd scenario's clients may be paused, not cut off or crashed", () => {
  const s = scenarios().find((x) => x.name === "smoke")!;
  const o = resolveRun(s, 0).options as { clients: number };
  checkFaultNames(validateFaults([{ at: 1, until: 9, kind: "pause", target: "c3" }], bad), o, bad);
  for (const kind of ["isolate", "crash"])
    assert.throws(
      () => checkFaultNames(validateFaults([{ at: 1, kind, target: "c1" }], bad), o, bad),
      /faults\[0\]\.target" names no process of this run: "c1"/,
    );
  assert.throws(
    () => checkFaultNames(validateFaults([{ at: 1, kind: "pause", target: `c${o.clients + 1}` }], bad), o, bad),
    /names no process of this run/,
  );
});

test("the README's tables of fault kinds and options are generated from the schema (npm run schema-table)", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  assert.ok(withTables(readme) === readme, "README.md is out of date: run npm run schema-table");
});

test.run();

// etcdsim shrink: a failing seed → a minimal replay file that still fails the same checker.
import { checkLoadedFor, loadScenario } from "../scenarios/loader.ts";
import { shrinkFailure } from "../scenarios/shrink.ts";
import { checkOutputFile, writeFileAtomic } from "../reports/files.ts";
import { SHRINK_HELP } from "./help.ts";
import { bugArgs, interactive, intArg, parse, seedArg, UsageError } from "./args.ts";

export async function shrinkCommand(argv: string[]): Promise<number> {
  const { values } = parse("shrink", argv, {
    scenario: { type: "string" },
    seed: { type: "string" },
    bug: { type: "string", multiple: true },
    out: { type: "string" },
    json: { type: "boolean" },
    "max-evaluations": { type: "string" },
  });
  if (values.help) {
    console.log(SHRINK_HELP);
    return 0;
  }
  if (values.scenario === undefined) throw new UsageError("shrink: --scenario is required");
  const seed = seedArg(values.seed);
  if (seed === undefined) throw new UsageError("shrink: --seed is required");
  const loaded = loadScenario(values.scenario);
  checkLoadedFor(loaded, seed);
  const bugs = bugArgs(values.bug);
  const json = values.json === true;
  const tty = interactive(json);
  const out = values.out ?? `shrunk-${loaded.def.name}-${seed}.json`;
  checkOutputFile(out, "--out");
  const maxEvaluations = intArg(values["max-evaluations"], "--max-evaluations", 1, 100_000) ?? 300;
  const r = shrinkFailure({
    scenario: loaded.def,
    seed,
    bugs,
    ...(loaded.options ? { options: loaded.options } : {}),
    ...(loaded.faults ? { faults: loaded.faults } : {}),
    maxEvaluations,
    ...(tty
      ? {
          onProgress: (n: number, s: { faults: number; faultTimeMs: number }) =>
            process.stdout.write(`\r\x1b[K… ${n} runs: ${s.faults} faults, ${s.faultTimeMs} ms of faults`),
        }
      : {}),
  });
  if (tty) process.stdout.write("\r\x1b[K");
  if ("notFailing" in r) {
    const msg = `seed ${seed} of ${loaded.def.name} does not fail (verdict ${r.notFailing.verdict}); nothing to shrink`;
    if (json) console.log(JSON.stringify({ ok: false, message: msg }));
    else console.log(msg);
    return r.notFailing.verdict === "unknown" ? 3 : 1;
  }
  writeFileAtomic(out, JSON.stringify(r.replay, null, 1) + "\n");
  const repro = `npx etcdsim run --replay ${out}`;
  if (json)
    console.log(
      JSON.stringify({
        checker: r.checker,
        before: r.before,
        after: r.after,
        evaluations: r.evaluations,
        out,
        repro,
        traceHash: r.final.traceHash,
      }),
    );
  else {
    console.log(`shrunk ${loaded.def.name} seed ${seed} (still fails ${r.checker}) in ${r.evaluations} runs`);
    console.log(`  faults:       ${r.before.faults} -> ${r.after.faults}`);
    console.log(`  fault time:   ${r.before.faultTimeMs} ms -> ${r.after.faultTimeMs} ms`);
    for (const k of Object.keys(r.before.knobs))
      console.log(`  ${k.padEnd(13)} ${r.before.knobs[k]} -> ${r.after.knobs[k]}`);
    console.log(`  wrote ${out}\nrepro: ${repro}`);
  }
  // Shrinking succeeded: the replay is written (it fails, as intended; `run --replay` exits 1).
  return 0;
}

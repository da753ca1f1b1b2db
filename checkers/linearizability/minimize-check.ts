// Verifies the minimal failing subsets of corpus files (minimize.test.ts on a sample, the checker
// benchmark on all): the subset is not linearizable and each one-smaller subset is.
import { checkCase, type LoadedCase } from "./corpus.ts";
import { checkOperations } from "./engine.ts";
import { relaxedHistory } from "./minimize.ts";
import { kvMapModel, kvModel } from "./models/kv.ts";
import { registerModel } from "./models/register.ts";
import { searchLinearization } from "./search.ts";
import type { Model, Operation } from "./types.ts";

/** Problems found (empty when every subset is minimal and failing); `sizes` receives each subset's size. */
export function verifyMinimalSubsets(cases: readonly LoadedCase[], sizes: number[] = []): string[] {
  const problems: string[] = [];
  for (const c of cases) {
    const model = (c.model === "register" ? registerModel : c.model === "kv-map" ? kvMapModel : kvModel) as Model<
      unknown,
      unknown,
      unknown
    >;
    const ops = c.ops as Operation<unknown, unknown>[];
    if (checkCase(c).verdict !== "illegal") continue;
    const r = checkOperations(model, ops, { minimize: true });
    const m = r.evidence?.minimalSubset;
    if (!m) {
      problems.push(`${c.file} (${c.model}): no minimal subset`);
      continue;
    }
    sizes.push(m.operations.length);
    if (!m.complete) problems.push(`${c.file} (${c.model}): minimization incomplete`);
    // The evidence's partition, as the check searched it.
    const part = model.partition ? model.partition(ops)[r.evidence!.partition]! : ops;
    const local = new Map(part.map((o, i) => [o, i]));
    const subset = m.operations.map((o) => local.get(ops[o.op]!)!);
    const verdict = (s: number[]) =>
      searchLinearization(model, relaxedHistory(model, part, s), {
        maxSteps: 20_000_000,
        progressEvery: 1 << 30,
        stepsBefore: 0,
        prefix: false,
      }).verdict;
    if (verdict(subset) !== "illegal") problems.push(`${c.file} (${c.model}): the subset is linearizable`);
    subset.forEach((_, k) => {
      const v = verdict(subset.filter((__, j) => j !== k));
      if (v !== "ok") problems.push(`${c.file} (${c.model}): without ${m.operations[k]!.description} still ${v}`);
    });
  }
  return problems;
}

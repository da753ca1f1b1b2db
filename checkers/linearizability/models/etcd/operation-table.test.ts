// A long history's prepared operations are columns (operation-table.ts) and the guess reads them
// through sorted typed arrays (witness.ts): everything the checker answers must be what the copied
// history, read as objects, gives — verdict, message, evidence, linearization, steps.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import type { EtcdOperation } from "../../../../core/history.ts";
import { Rng } from "../../../../sim/rng.ts";
import { checkEtcdHistory } from "../../check-etcd.ts";
import { etcdAnomaly, etcdHistory, etcdPlan, injectEtcdAnomaly, workloadHistory } from "../../generators.ts";
import { etcdModel } from "./model.ts";
import { ArrayTable, ColumnTable } from "./operation-table.ts";
import { WINDOWED_FROM, prepareEtcdHistory } from "./prepare.ts";
import { NeedIndex, guessEtcdLinearization, sortIndices, whyGuessFails } from "./witness.ts";

const BIG = 1e9;

// A recorded history is in call order: read through columns. The same operations out of call order
// are sorted into a copy and read as objects (the path every short history takes).
// (One the guess answers for: a miss would leave a 33k-operation history to the search.)
const long = workloadHistory(new Rng(11), { operations: 33_000, clients: 6, keys: 8, timeoutRate: 0.05 });

test("a long call-ordered history is prepared as columns; out of call order, as objects", () => {
  assert.ok(long.length >= WINDOWED_FROM);
  assert.instance(prepareEtcdHistory(long).table, ColumnTable);
  assert.instance(prepareEtcdHistory([...long].reverse()).table, ArrayTable);
});

test("a long history checks exactly as its copy (columns and objects agree: linearization, steps, message)", () => {
  const columns = checkEtcdHistory(long);
  assert.is(columns.verdict, "pass");
  assert.ok(columns.result.linearization!.length > WINDOWED_FROM);
  assert.equal(checkEtcdHistory([...long].reverse()), columns);
});

test("a long illegal history gives the same verdict, message and evidence through columns (the search reads them as objects)", () => {
  const bad = structuredClone(long);
  const i = bad.findIndex(
    (op, k) =>
      k > 100 &&
      op.response?.kind === "range" &&
      op.request.kind === "range" &&
      !op.request.range.revision &&
      !op.request.range.serializable &&
      op.response.range.kvs.length > 0,
  );
  const read = bad[i]!.response as { kind: "range"; range: { kvs: { value: string }[] } };
  read.range.kvs[0]!.value = "never-written";
  const columns = checkEtcdHistory(bad, { maxSteps: 200_000 });
  assert.is(columns.verdict, "fail");
  assert.ok(columns.evidence);
  assert.equal(checkEtcdHistory([...bad].reverse(), { maxSteps: 200_000 }), columns);
});

test("the guess over columns equals the guess over objects (generated histories, anomalies included)", () => {
  let guessed = 0;
  fc.assert(
    fc.property(etcdPlan, etcdAnomaly, (plan, anomaly) => {
      const history = injectEtcdAnomaly(etcdHistory(plan), anomaly);
      const copied = prepareEtcdHistory(history, { window: false });
      const windowed = prepareEtcdHistory(history, { window: true });
      const model = etcdModel(copied.config);
      const a = guessEtcdLinearization(model, copied.operations, copied.config, BIG);
      const b = guessEtcdLinearization(model, windowed.table, windowed.config, BIG);
      assert.equal(b, a);
      assert.is(
        whyGuessFails(model, windowed.table, windowed.config, BIG),
        whyGuessFails(model, copied.operations, copied.config, BIG),
      );
      if (a) guessed++;
    }),
    { seed: 31, numRuns: 300 },
  );
  assert.ok(guessed > 100, `${guessed} guessed`);
});

test("a column table reads as the copied operations: by index, ids, and all at once", () => {
  const history = workloadHistory(new Rng(4), { operations: 500, clients: 5, keys: 6, timeoutRate: 0.1 });
  // Some definite errors too (the workload's requests nearly always succeed).
  history.forEach((op, i) => {
    if (i % 37 === 0 && op.response !== null) Object.assign(op, { response: null, error: "key-not-found" });
  });
  const copied = prepareEtcdHistory(history, { window: false });
  const { table } = prepareEtcdHistory(history, { window: true });
  assert.instance(table, ColumnTable);
  assert.is(table.length, copied.operations.length);
  const kinds = new Set<string>();
  for (let i = 0; i < table.length; i++) {
    const c = copied.operations[i]!;
    const w = table.at(i);
    kinds.add(c.input.kind === "expire" ? "expire" : c.output.unknown ? "unknown" : (c.output.error ?? "ok"));
    assert.is(JSON.stringify(w), JSON.stringify(c));
    assert.is(table.calls[i], c.call);
    assert.is(table.returns[i], c.return);
    assert.is(table.idOf(i), c.input.kind === "request" ? c.input.id : -1);
  }
  // Successes, definite errors, unknown outcomes and expiries all went through.
  assert.ok(kinds.size >= 4, [...kinds].join(" "));
  assert.is(JSON.stringify((table as ColumnTable).materialize()), JSON.stringify(copied.operations));
});

test("an operation whose id or client is not a 32-bit integer is kept whole in a column table", () => {
  const history: EtcdOperation[] = [
    {
      id: 2 ** 40,
      client: -0,
      call: 0,
      return: 5,
      request: { kind: "put", put: { key: "k", value: "v" } },
      response: { kind: "put", put: { header: { revision: 2, raftTerm: 1 } } },
    },
    {
      id: 1,
      client: 1.5,
      call: 10,
      return: 15,
      request: { kind: "range", range: { key: "k" } },
      response: {
        kind: "range",
        range: {
          header: { revision: 2, raftTerm: 1 },
          kvs: [{ key: "k", value: "v", createRevision: 2, modRevision: 2, version: 1, lease: 0 }],
          more: false,
          count: 1,
        },
      },
    },
  ];
  const { table } = prepareEtcdHistory(history, { window: true });
  assert.instance(table, ColumnTable);
  assert.is(table.idOf(0), 2 ** 40);
  assert.ok(Object.is(table.at(0).clientId, -0));
  assert.is(table.at(1).clientId, 1.5);
  const copied = prepareEtcdHistory(history, { window: false });
  assert.is(JSON.stringify(table.at(1)), JSON.stringify(copied.operations[1]));
  const model = etcdModel(copied.config);
  const witness = guessEtcdLinearization(model, table, copied.config, BIG);
  assert.ok(witness);
  assert.equal(witness, guessEtcdLinearization(model, copied.operations, copied.config, BIG));
});

test("sortIndices: packed keys sort as the comparator does, and so does the fallback", () => {
  const keys = fc.oneof(
    fc.nat({ max: 50 }),
    fc.integer({ min: -3, max: 3 }),
    fc.constantFrom(0.5, 2 ** 60, Number.NaN),
  );
  fc.assert(
    fc.property(fc.array(keys, { maxLength: 60 }), (values) => {
      const items = Int32Array.from(values.map((_, i) => i).reverse());
      const key = (i: number): number => values[i]!;
      const compare = (a: number, b: number): number => (key(a) - key(b) || a - b) as number;
      const expected = Array.from(items).sort((a, b) => {
        // The comparator's own order where keys are comparable; the packed path only runs where all are.
        const d = compare(a, b);
        return Number.isNaN(d) ? a - b : d;
      });
      const sorted = Array.from(sortIndices(Int32Array.from(items), key, compare));
      if (values.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 40)) assert.equal(sorted, expected);
      else assert.equal(sorted, Array.from(Int32Array.from(items).sort(compare)));
    }),
    { seed: 5, numRuns: 500 },
  );
});

test("NeedIndex groups operations by revision, each group in index order (as a map of lists would)", () => {
  fc.assert(
    fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }), { maxLength: 40 }), (revs) => {
      const index = NeedIndex.of(revs.length, (i) => revs[i]);
      const expected = new Map<number, number[]>();
      revs.forEach((r, i) => {
        if (r !== undefined) expected.set(r, [...(expected.get(r) ?? []), i]);
      });
      for (let r = -1; r <= 7; r++) {
        const g = index.find(r);
        const got = g < 0 ? [] : Array.from(index.ops.subarray(index.starts[g]!, index.starts[g + 1]!));
        assert.equal(got, expected.get(r) ?? []);
      }
    }),
    { seed: 6, numRuns: 300 },
  );
});

test.run();

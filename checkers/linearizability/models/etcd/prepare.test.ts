// prepareEtcdHistory's ordering shortcuts: a call-ordered history is not re-sorted and the lease
// expiries are merged in, which must give exactly the order a stable sort of everything gave; and a
// long history's columns (operation-table.ts) must give exactly what the copied history gives.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EtcdOperation } from "../../../../core/history.ts";
import { Rng } from "../../../../sim/rng.ts";
import { injectStaleRead, workloadHistory } from "../../generators.ts";
import { checkOperations } from "../../engine.ts";
import { etcdModel } from "./model.ts";
import { type PreparedEtcdHistory, UNKNOWN_OUTPUT, WINDOWED_FROM, prepareEtcdHistory } from "./prepare.ts";

/** What a prepared history says, without its table (a long one's reads the history through a window). */
function plain(p: PreparedEtcdHistory) {
  const { operations, config, dropped, observedUnknownWrites } = p;
  return { operations, config, dropped, observedUnknownWrites };
}

test("lease expiries are merged into the requests as a stable sort by call of the requests then the expiries", () => {
  for (const seed of [5, 6, 7]) {
    const history = workloadHistory(new Rng(seed), { operations: 400, clients: 5, keys: 8, timeoutRate: 0.05 });
    for (const window of [false, true]) {
      const ops = prepareEtcdHistory(history, { window }).operations;
      const requests = ops.filter((o) => o.input.kind === "request");
      const expiries = ops.filter((o) => o.input.kind === "expire");
      assert.ok(expiries.length > 0);
      // Expiries by lease, then stably by call.
      const byLease = [...expiries].sort(
        (x, y) => (x.input as { lease: number }).lease - (y.input as { lease: number }).lease,
      );
      const expected = [...requests, ...byLease.sort((x, y) => x.call - y.call)].sort((x, y) => x.call - y.call);
      assert.equal(ops, expected);
    }
  }
});

test("a history given out of call order prepares exactly as the call-ordered one (expiries included)", () => {
  const history = workloadHistory(new Rng(5), { operations: 400, clients: 5, keys: 8, timeoutRate: 0.05 });
  const ordered = prepareEtcdHistory(history);
  assert.ok(ordered.operations.some((o) => o.input.kind === "expire"));
  assert.equal(plain(prepareEtcdHistory([...history].reverse())), plain(ordered));
});

// A long recorded history is read through a window: requests and responses are read back when the
// model needs them. Everything the checker sees must be what the copied history gives.
test("a history read through the window prepares and checks exactly as the copied one", () => {
  const history = workloadHistory(new Rng(9), { operations: 600, clients: 5, keys: 6, timeoutRate: 0.05 });
  const copied = prepareEtcdHistory(history, { window: false });
  const windowed = prepareEtcdHistory(history, { window: true });
  assert.is(JSON.stringify(plain(windowed)), JSON.stringify(plain(copied)));
  assert.equal(windowed.config, copied.config);
  // Field by field too (the windowed ones keep their constant fields on the prototype).
  for (let i = 0; i < copied.operations.length; i++) {
    const w = windowed.operations[i]!;
    const c = copied.operations[i]!;
    assert.is(w.input.kind, c.input.kind);
    assert.is(w.output.unknown, c.output.unknown);
    assert.is(w.output.error, c.output.error);
    assert.equal(w.output.response, c.output.response);
    if (w.input.kind === "request" && c.input.kind === "request") assert.equal(w.input.request, c.input.request);
  }
  const model = etcdModel(copied.config);
  assert.equal(checkOperations(model, windowed.operations), checkOperations(model, copied.operations));
});

test("an illegal history read through the window gives the same verdict and evidence (the search keys by JSON)", () => {
  const rng = new Rng(3);
  const stale = injectStaleRead(workloadHistory(rng, { operations: 200, clients: 4, keys: 4, timeoutRate: 0.05 }), rng);
  assert.ok(stale);
  const copied = prepareEtcdHistory(stale!, { window: false });
  const windowed = prepareEtcdHistory(stale!, { window: true });
  const model = etcdModel(copied.config);
  const a = checkOperations(model, copied.operations);
  assert.is(a.verdict, "illegal");
  assert.equal(checkOperations(model, windowed.operations), a);
});

test("a long call-ordered history is read through the window by default, and prepares as the copied one", () => {
  const history: EtcdOperation[] = [];
  for (let i = 0; i < WINDOWED_FROM; i++) {
    const key = `/k/${i % 10}`;
    const call = 10 * i;
    history.push(
      i % 2 === 0
        ? {
            id: i,
            client: i % 3,
            call,
            return: call + 5,
            request: { kind: "put", put: { key, value: `v${i}` } },
            response: { kind: "put", put: { header: { revision: i / 2 + 2, raftTerm: 1 } } },
          }
        : { id: i, client: i % 3, call, return: null, request: { kind: "range", range: { key } }, response: null },
    );
  }
  const byDefault = prepareEtcdHistory(history);
  assert.is.not(Object.getPrototypeOf(byDefault.operations[0]!.input), Object.prototype);
  assert.is(JSON.stringify(plain(byDefault)), JSON.stringify(plain(prepareEtcdHistory(history, { window: false }))));
});

test("a windowed history's unknown requests share one frozen output; the copied one's are its own, equal", () => {
  const history = workloadHistory(new Rng(9), { operations: 600, clients: 5, keys: 6, timeoutRate: 0.05 });
  const unknownRequests = (p: PreparedEtcdHistory) =>
    p.operations.filter((o) => o.input.kind === "request" && o.output.unknown).map((o) => o.output);
  const windowed = unknownRequests(prepareEtcdHistory(history, { window: true }));
  const copied = unknownRequests(prepareEtcdHistory(history, { window: false }));
  assert.ok(windowed.length > 1);
  assert.is(windowed.length, copied.length);
  for (const o of windowed) assert.is(o, UNKNOWN_OUTPUT);
  assert.ok(Object.isFrozen(UNKNOWN_OUTPUT));
  assert.equal(windowed, copied);
  assert.is.not(copied[0], copied[1]);
});

test.run();

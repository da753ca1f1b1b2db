// kube-compaction on hand-written logs: an apiserver's compaction loop as its reports and its etcd
// requests show it, built round by round the way compact.go runs it, then broken one way at a time.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EtcdOperation } from "../history.ts";
import type { CompactorEvent } from "../../core/kube/observations.ts";
import { COMPACT_REV_KEY } from "../../core/kube/compactor.ts";
import { checkCompaction, type CompactionCheckInput } from "./compaction.ts";

const INTERVAL = 1_000_000;
const CLIENT = 100;

type Outcome = "won" | "lost" | "timeout";

/** A loop that starts at `start` and runs `outcomes` rounds, each taking 5 ms, the store at revision 10·k. */
function loop(outcomes: readonly Outcome[], start = 0, gapUs = INTERVAL) {
  const events: CompactorEvent[] = [{ time: start, apiserver: "apiserver-1", kind: "started" }];
  const operations: EtcdOperation[] = [];
  let version = 0;
  let revision = 0;
  let now = start;
  outcomes.forEach((outcome, k) => {
    now += gapUs;
    const call = now;
    const ret = now + 5_000;
    const seen = 10 * (k + 1);
    const op: EtcdOperation = {
      id: operations.length,
      client: CLIENT,
      call,
      return: outcome === "timeout" ? null : ret,
      request: {
        kind: "txn",
        txn: {
          compare: [{ key: COMPACT_REV_KEY, target: "VERSION", result: "EQUAL", version }],
          success: [{ requestPut: { key: COMPACT_REV_KEY, value: String(revision) } }],
          failure: [{ requestRange: { key: COMPACT_REV_KEY } }],
        },
      },
      response:
        outcome === "timeout"
          ? null
          : {
              kind: "txn",
              txn: {
                header: { revision: seen, raftTerm: 2 },
                succeeded: outcome === "won",
                responses:
                  outcome === "won"
                    ? [{ responsePut: { header: { revision: seen, raftTerm: 2 } } }]
                    : [
                        {
                          responseRange: {
                            header: { revision: seen, raftTerm: 2 },
                            kvs: [
                              {
                                key: COMPACT_REV_KEY,
                                value: "",
                                createRevision: 1,
                                modRevision: seen - 1,
                                version: version + 2,
                                lease: 0,
                              },
                            ],
                            count: 1,
                            more: false,
                          },
                        },
                      ],
              },
            },
    } as EtcdOperation;
    operations.push(op);
    let done = outcome === "timeout" ? call + 1_000_000 : ret;
    if (outcome === "won" && revision > 0) {
      operations.push({
        id: operations.length,
        client: CLIENT,
        call: ret,
        return: ret + 2_000,
        request: { kind: "compact", compact: { revision } },
        response: { kind: "compact", compact: { header: { revision: seen, raftTerm: 2 } } },
      } as EtcdOperation);
      done = ret + 2_000;
    }
    if (outcome === "won") {
      version++;
      revision = seen;
    } else if (outcome === "lost") {
      version += 2;
      revision = seen;
    }
    events.push({ time: done, apiserver: "apiserver-1", kind: "round-done" });
    now = done;
  });
  return { events, operations, end: now };
}

function input(l: ReturnType<typeof loop>, more: Partial<CompactionCheckInput> = {}): CompactionCheckInput {
  return {
    events: l.events,
    operations: l.operations,
    clients: [{ apiserver: "apiserver-1", client: CLIENT }],
    lifecycle: [],
    intervalUs: INTERVAL,
    end: l.end + 500_000,
    ...more,
  };
}

test("a loop that runs a round every interval, winning, losing and timing out, passes", () => {
  const r = checkCompaction(input(loop(["won", "won", "lost", "timeout", "won", "lost", "won"])));
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /^7 rounds in 1 apiserver incarnations/);
  assert.match(r.message, /3 won with a revision/);
});

test("a loop that stopped while its apiserver ran fails", () => {
  const l = loop(["won", "won", "timeout"]);
  const r = checkCompaction(input(l, { end: l.end + 3_000_000 }));
  assert.is(r.verdict, "fail");
  assert.match(r.message, /apiserver-1 \(up at 0ms\): no compaction round for 3000ms/);
});

test("a loop that never began its first round fails", () => {
  const r = checkCompaction(input(loop([]), { end: 2_500_000 }));
  assert.is(r.verdict, "fail");
  assert.match(r.message, /no compaction round for 2500ms after 0ms/);
});

test("a loop ended by its apiserver's crash, or held by a pause, is not late", () => {
  const l = loop(["won", "won"]);
  const crashed = checkCompaction(
    input(l, { end: l.end + 5_000_000, lifecycle: [{ time: l.end + 900_000, process: "apiserver-1", kind: "crash" }] }),
  );
  assert.is(crashed.verdict, "pass", crashed.message);
  const paused = checkCompaction(
    input(l, {
      end: l.end + 3_000_000,
      lifecycle: [
        { time: l.end + 500_000, process: "apiserver-1", kind: "pause" },
        { time: l.end + 2_600_000, process: "apiserver-1", kind: "resume" },
      ],
    }),
  );
  assert.is(paused.verdict, "pass", paused.message);
  // Another process's pause excuses nothing.
  const other = checkCompaction(
    input(l, {
      end: l.end + 3_000_000,
      lifecycle: [
        { time: l.end + 500_000, process: "apiserver-2", kind: "pause" },
        { time: l.end + 2_600_000, process: "apiserver-2", kind: "resume" },
      ],
    }),
  );
  assert.is(other.verdict, "fail");
});

test("a round late by a tenth of an interval passes only if a clock ran that slow", () => {
  const l = loop(["won", "won", "lost"], 0, 1_100_000);
  assert.is(checkCompaction(input(l)).verdict, "fail");
  assert.match(
    checkCompaction(input(l)).message,
    /round 1 began at 1100ms, 1100ms after 0ms \(an interval is 1000ms\)/,
  );
  assert.is(checkCompaction(input(l, { minDriftPpm: -100_000 })).verdict, "pass");
});

test("a round that comes sooner than an interval fails, unless a clock ran that fast", () => {
  const l = loop(["won", "won", "lost"], 0, 800_000);
  const r = checkCompaction(input(l));
  assert.is(r.verdict, "fail");
  assert.match(r.message, /only 800ms after/);
  assert.is(checkCompaction(input(l, { maxDriftPpm: 250_000 })).verdict, "pass");
});

test("a Txn that puts the revision it sees now instead of the previous round's fails", () => {
  const l = loop(["won", "won", "won"]);
  const third = l.operations.filter((op) => op.request.kind === "txn")[2]!;
  if (third.request.kind !== "txn") throw new Error("not a txn");
  const success = third.request.txn.success[0]!;
  if (!("requestPut" in success)) throw new Error("not a put");
  success.requestPut.value = "30";
  const r = checkCompaction(input(l));
  assert.is(r.verdict, "fail");
  assert.match(r.message, /compared version 2 and put 30, but the apiserver had learned version 2 and revision 20/);
});

test("a winner that does not compact, or compacts elsewhere, fails", () => {
  const l = loop(["won", "won", "lost"]);
  const compact = l.operations.find((op) => op.request.kind === "compact")!;
  const dropped = checkCompaction(input({ ...l, operations: l.operations.filter((op) => op !== compact) }));
  assert.is(dropped.verdict, "fail");
  assert.match(dropped.message, /with revision 10 to compact at, and sent no Compaction/);
  if (compact.request.kind === "compact") compact.request.compact.revision = 20;
  const elsewhere = checkCompaction(input(l));
  assert.is(elsewhere.verdict, "fail");
  assert.match(elsewhere.message, /and compacted at 20/);
});

test("each incarnation is judged from its own start with its own client", () => {
  const first = loop(["won", "won"]);
  const crashAt = first.end + 100_000;
  const second = loop(["lost", "won"], crashAt + 50_000);
  const secondOps = second.operations.map((op) => ({ ...op, client: CLIENT + 1 }));
  const r = checkCompaction({
    events: [...first.events, ...second.events],
    operations: [...first.operations, ...secondOps],
    clients: [
      { apiserver: "apiserver-1", client: CLIENT },
      { apiserver: "apiserver-1", client: CLIENT + 1 },
    ],
    lifecycle: [
      { time: crashAt, process: "apiserver-1", kind: "crash" },
      { time: crashAt + 50_000, process: "apiserver-1", kind: "restart" },
    ],
    intervalUs: INTERVAL,
    end: second.end + 200_000,
  });
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /^4 rounds in 2 apiserver incarnations/);
});

test("an apiserver incarnation whose loop never reported starting fails", () => {
  const l = loop(["won", "won"]);
  const r = checkCompaction(
    input(l, {
      clients: [
        { apiserver: "apiserver-1", client: CLIENT },
        { apiserver: "apiserver-2", client: CLIENT + 1 },
      ],
    }),
  );
  assert.is(r.verdict, "fail");
  assert.match(r.message, /apiserver incarnations that started no compaction loop: apiserver-2 \(1 of 1\)/);
});

test("no loop, nothing to judge", () => {
  const r = checkCompaction({ events: [], operations: [], clients: [], lifecycle: [], intervalUs: INTERVAL, end: 9e6 });
  assert.is(r.verdict, "pass");
});

test.run();

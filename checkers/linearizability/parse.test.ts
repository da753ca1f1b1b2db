// The three history formats: what they mean, and errors that name the line and the problem.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { detectFormat } from "./parse/detect.ts";
import { HistoryParseError } from "./parse/errors.ts";
import { parseJsonlHistory } from "./parse/jsonl.ts";
import { parsePorcupineEtcd } from "./parse/porcupine-etcd.ts";
import { parsePorcupineKv } from "./parse/porcupine-kv.ts";

const jepsen = (...lines: string[]): string => lines.map((l) => `INFO  jepsen.util - ${l}`).join("\n") + "\n";

function parseError(fn: () => unknown): HistoryParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof HistoryParseError) return e;
    throw e;
  }
  throw new Error("expected a parse error");
}

test("porcupine-etcd: invokes pair with completions by process; line numbers are the times", () => {
  const ops = parsePorcupineEtcd(
    jepsen(
      "0\t:invoke\t:write\t3",
      "1\t:invoke\t:read\tnil",
      "0\t:ok\t:write\t3",
      "1\t:ok\t:read\t3",
      "2\t:invoke\t:cas\t[3 4]",
      "2\t:fail\t:cas\t[3 4]",
    ),
  );
  assert.equal(
    ops.map((o) => [o.clientId, o.call, o.return, o.input.f, o.output.unknown]),
    [
      [0, 1, 3, 1, false],
      [1, 2, 4, 0, false],
      [2, 5, 6, 2, false],
    ],
  );
  assert.is(ops[1]!.output.value, 3);
  assert.is(ops[2]!.output.ok, false, ":fail cas ran and did not match");
});

test("porcupine-etcd: :info and operations still open at the end have unknown outcomes; failed reads are dropped", () => {
  const ops = parsePorcupineEtcd(
    jepsen(
      "0 :invoke :write 1",
      "1 :invoke :cas [1 2]",
      "2 :invoke :read nil",
      "0 :info :write :timed-out",
      "2 :fail :read :timed-out",
      "3 :invoke :read nil",
    ),
  );
  assert.equal(
    ops.map((o) => [o.clientId, o.return, o.output.unknown]),
    [
      [0, Infinity, true],
      [1, Infinity, true],
    ],
  );
});

test("porcupine-etcd: tabs and padded spaces both separate fields; an empty file is an empty history", () => {
  assert.is(parsePorcupineEtcd(jepsen("3   :invoke :write  3", "3   :ok     :write  3")).length, 1);
  assert.equal(parsePorcupineEtcd(""), []);
});

test("porcupine-etcd: errors name the line and what is wrong", () => {
  assert.match(
    parseError(() => parsePorcupineEtcd(jepsen("0 :invoke :read nil") + "garbage\n")).message,
    /^line 2: expected `INFO jepsen.util/,
  );
  assert.match(
    parseError(() => parsePorcupineEtcd(jepsen("0 :ok :read 1"))).message,
    /^line 1: process 0 completes \(:ok\) with no open operation/,
  );
  assert.match(
    parseError(() => parsePorcupineEtcd(jepsen("0 :invoke :read nil", "0 :invoke :read nil"))).message,
    /^line 2: process 0 invokes while its operation from line 1 is open/,
  );
  assert.match(
    parseError(() => parsePorcupineEtcd(jepsen("0 :invoke :write x"))).message,
    /^line 1: a write needs an integer/,
  );
  assert.match(
    parseError(() => parsePorcupineEtcd(jepsen("0 :invoke :cas [1 2]", "0 :ok :cas [1 3]"))).message,
    /^line 2: cas completes with \[1 3\] but was invoked with \[1 2\]/,
  );
  assert.is(parseError(() => parsePorcupineEtcd(jepsen("0 :invoke :read nil", "0 :ok :write 1"))).line, 2);
});

test("porcupine-kv: EDN maps; get returns the value, put and append repeat theirs", () => {
  const text = [
    '{:process 0, :type :invoke, :f :append, :key "1", :value "x 0 0 y"}',
    '{:process 1, :type :invoke, :f :get, :key "1", :value nil}',
    '{:process 0, :type :ok, :f :append, :key "1", :value "x 0 0 y"}',
    '{:process 1, :type :ok, :f :get, :key "1", :value ""}',
    '{:process 2, :type :invoke, :f :put, :key "2", :value "a \\"q\\""}',
  ].join("\n");
  const ops = parsePorcupineKv(text);
  assert.equal(
    ops.map((o) => [o.clientId, o.call, o.return, o.input.f, o.input.key, o.input.value]),
    [
      [0, 1, 3, 2, "1", "x 0 0 y"],
      [1, 2, 4, 0, "1", ""],
      [2, 5, Infinity, 1, "2", 'a "q"'],
    ],
  );
  assert.is(ops[1]!.output.value, "");
  assert.is(ops[2]!.output.unknown, true, "never completed: unknown outcome");
});

test("porcupine-kv: errors name the line and what is wrong", () => {
  assert.match(
    parseError(() => parsePorcupineKv('{:process 0, :type :invoke, :f :get, :key "1"')).message,
    /^line 1: not an EDN map: expected \}/,
  );
  assert.match(
    parseError(() => parsePorcupineKv("{:process 0, :type :invoke, :f :get, :value nil}")).message,
    /^line 1: missing :key/,
  );
  assert.match(
    parseError(() => parsePorcupineKv('{:process 0, :type :invoke, :f :cas, :key "1", :value nil}')).message,
    /^line 1: unknown :f :cas/,
  );
  assert.match(
    parseError(() => parsePorcupineKv('{:process "0", :type :invoke, :f :get, :key "1", :value nil}')).message,
    /^line 1: :process should be an integer, got a string/,
  );
});

const line = (o: object): string => JSON.stringify(o);
const okPut = {
  id: 0,
  client: 0,
  call: 1,
  return: 2,
  request: { kind: "put", put: { key: "a", value: "1" } },
  response: { kind: "put", put: { header: { revision: 2, raftTerm: 1 } } },
};

test("jsonl: one EtcdOperation per line; a null return is an unknown outcome", () => {
  const text = [line(okPut), "", line({ ...okPut, id: 1, return: null, response: null, error: "timeout" })].join("\n");
  const ops = parseJsonlHistory(text);
  assert.is(ops.length, 2);
  assert.is(ops[1]!.return, null);
  assert.is(ops[1]!.error, "timeout");
});

test("jsonl: errors name the line and the field", () => {
  assert.match(parseError(() => parseJsonlHistory(line(okPut) + "\n{nope")).message, /^line 2: invalid JSON/);
  assert.match(
    parseError(() => parseJsonlHistory(line({ ...okPut, request: { kind: "get" } }))).message,
    /^line 1: request.kind should be one of range, put/,
  );
  assert.match(
    parseError(() => parseJsonlHistory(line({ ...okPut, request: { kind: "put", put: { key: "a" } } }))).message,
    /^line 1: request.put.value should be a string/,
  );
  assert.match(
    parseError(() => parseJsonlHistory(line({ ...okPut, return: 0 }))).message,
    /^line 1: return \(0\) is before call \(1\)/,
  );
  assert.match(
    parseError(() => parseJsonlHistory(line({ ...okPut, response: null }))).message,
    /^line 1: an operation with a return time needs a response or an error/,
  );
  assert.match(
    parseError(() => parseJsonlHistory(line({ ...okPut, response: { kind: "range", range: {} } }))).message,
    /^line 1: response.kind should be "put"/,
  );
  assert.match(
    parseError(() => parseJsonlHistory([line(okPut), line(okPut)].join("\n"))).message,
    /^line 2: id 0 appears twice/,
  );
});

test("formats are detected from content first, then the extension", () => {
  assert.is(detectFormat("x", "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n"), "porcupine-etcd");
  assert.is(detectFormat("x", "{:process 0, :type :invoke}\n"), "porcupine-kv");
  assert.is(detectFormat("x", "{:type :invoke, :f :write, :value 3, :process 0, :time 12, :index 0}\n"), "jepsen-edn");
  assert.is(detectFormat("history.edn", ""), "jepsen-edn");
  assert.is(detectFormat("x.txt", line(okPut)), "jsonl");
  assert.is(detectFormat("etcd_095.log", ""), "porcupine-etcd");
  assert.is(detectFormat("h.jsonl", ""), "jsonl");
  assert.is(detectFormat("mystery", "hello"), undefined);
});

test.run();

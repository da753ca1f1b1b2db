// `etcdsim check`: exit codes 0 / 1 / 2 / 3, one-line errors, --json, --report.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkCommand } from "../../cli/check.ts";
import { corpusDir } from "./corpus.ts";
import { checkHistoryText } from "./check-text.ts";
import { ParseStopped } from "./parse/errors.ts";
import { injectStaleRead, workloadHistory } from "./generators.ts";
import { Rng } from "../../sim/rng.ts";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "etcdsim-check-"));
const jepsen = (n: string): string => join(corpusDir(), "jepsen", `etcd_${n}.log`);

/** Runs checkCommand with stdout and stderr captured. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const log = console.log;
  const write = process.stderr.write.bind(process.stderr);
  console.log = (...a: unknown[]) => void (out += a.join(" ") + "\n");
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    return { code: await checkCommand(argv), out, err };
  } finally {
    console.log = log;
    process.stderr.write = write;
  }
}

/** Runs the real command line (the lead's dispatcher, tsx loader). */
function spawnCli(...argv: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(repo, "bin", "etcdsim.js"), "check", ...argv], {
    encoding: "utf8",
    cwd: repo,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const put = (id: number, call: number, ret: number, value: string, rev: number) =>
  JSON.stringify({
    id,
    client: id,
    call,
    return: ret,
    request: { kind: "put", put: { key: "k", value } },
    response: { kind: "put", put: { header: { revision: rev, raftTerm: 1 } } },
  });
const get = (id: number, call: number, ret: number, value: string, rev: number, mod: number, version: number) =>
  JSON.stringify({
    id,
    client: id,
    call,
    return: ret,
    request: { kind: "range", range: { key: "k" } },
    response: {
      kind: "range",
      range: {
        header: { revision: rev, raftTerm: 1 },
        kvs: [{ key: "k", value, createRevision: 2, modRevision: mod, version, lease: 0 }],
        more: false,
        count: 1,
      },
    },
  });

test("exit 0 and the verdict for a linearizable history", async () => {
  const r = await run(jepsen("005"));
  assert.is(r.code, 0);
  assert.match(r.out, /etcd_005.log: linearizable/);
  assert.is(r.err, "");
});

test("exit 1 and the evidence for a history that is not linearizable", async () => {
  const r = await run(jepsen("000"));
  assert.is(r.code, 1);
  assert.match(r.out, /NOT linearizable/);
  assert.match(r.out, /not linearizable after \d+ operations: read\(\) → \d/);
  assert.match(r.out, /could not be placed next:/);
});

test("exit 1 and the read and the write for a long etcd history refuted by revisions", async () => {
  const long = workloadHistory(new Rng(3), { operations: 2500, clients: 8, keys: 6, timeoutRate: 0.1 });
  const file = join(dir, "stale.jsonl");
  writeFileSync(
    file,
    `${injectStaleRead(long, new Rng(1))!
      .map((o) => JSON.stringify(o))
      .join("\n")}\n`,
  );
  const r = await run(file);
  assert.is(r.code, 1);
  assert.match(r.out, /NOT linearizable/);
  assert.match(r.out, /fits no order: it shows "\/k\/\d+" as of revision \d+, but/);
  assert.match(r.out, /against the write:\n {4}client \d+ \[\d+, \d+\] put\(/);
});

test("exit 3 when --timeout stops the search", async () => {
  const r = await run(jepsen("057"), "--timeout", "0.000001"); // needs more steps than one progress interval
  assert.is(r.code, 3);
  assert.match(r.out, /unknown \(inconclusive\)/);
  assert.match(r.out, /stopped by --timeout/);
});

test("--json prints one object with the documented fields", async () => {
  const r = await run(jepsen("000"), "--json");
  assert.is(r.code, 1);
  const lines = r.out.trim().split("\n");
  assert.is(lines.length, 1);
  const o = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(
    Object.keys(o)
      .filter((k) => ["file", "format", "operations", "verdict", "partitions", "wallMs", "evidence"].includes(k))
      .sort(),
    ["evidence", "file", "format", "operations", "partitions", "verdict", "wallMs"],
  );
  assert.is(o.format, "porcupine-etcd");
  assert.is(o.verdict, "illegal");
  assert.is(o.operations, 85);
});

test("JSON Lines histories are checked against the etcd model", async () => {
  const ok = join(dir, "ok.jsonl");
  writeFileSync(ok, [put(0, 0, 10, "a", 2), get(1, 11, 20, "a", 2, 2, 1)].join("\n") + "\n");
  assert.is((await run(ok)).code, 0);
  const stale = join(dir, "stale.jsonl");
  writeFileSync(stale, [put(0, 0, 10, "a", 2), put(1, 11, 20, "b", 3), get(2, 21, 30, "a", 3, 2, 1)].join("\n") + "\n");
  const r = await run(stale, "--format", "jsonl");
  assert.is(r.code, 1);
  assert.match(r.out, /range\("k"\) → rev 3/);
});

test("--max-txn-ops and --max-request-bytes judge an etcd history's refusals by the cluster's limits", async () => {
  const refused = (id: number, request: unknown, error: string) =>
    JSON.stringify({ id, client: id, call: 10 * id, return: 10 * id + 5, request, response: null, error });
  const put = (k: string) => ({ requestPut: { key: k, value: "v" } });
  const file = join(dir, "limits.jsonl");
  writeFileSync(
    file,
    [
      refused(0, { kind: "txn", txn: { compare: [], success: [put("a"), put("b")], failure: [] } }, "too-many-ops"),
      refused(1, { kind: "put", put: { key: "k", value: "x".repeat(10) } }, "request-too-large"),
    ].join("\n") + "\n",
  );
  assert.is((await run(file)).code, 0, "limits unknown: both refusals taken on trust");
  assert.is((await run(file, "--max-txn-ops", "1")).code, 0, "two puts in one branch are past a limit of 1");
  assert.is((await run(file, "--max-txn-ops", "2")).code, 1, "within a limit of 2: refusing it is wrong");
  assert.is((await run(file, "--max-request-bytes", "4096")).code, 1, "a 60-byte put refused as too large");
  assert.is((await run(file, "--max-request-bytes", "8")).code, 0, "its key and value alone are past 8 bytes");
  for (const bad of ["0", "-3", "1.5", "lots", ""]) {
    const r = spawnCli(file, "--max-txn-ops", bad);
    assert.is(r.code, 2, `--max-txn-ops ${JSON.stringify(bad)}`);
    assert.match(r.err, /--max-txn-ops/);
    assert.not.match(r.err, /\n.*at /);
  }
});

test("--report DIR writes DIR/check.json with the result", async () => {
  const out = join(dir, "report");
  assert.is((await run(jepsen("000"), "--report", out)).code, 1);
  const saved = JSON.parse(readFileSync(join(out, "check.json"), "utf8")) as {
    verdict: string;
    evidence: { stuck: unknown[] };
    history: unknown[];
  };
  assert.is(saved.verdict, "illegal");
  assert.ok(saved.evidence.stuck.length > 0);
  assert.is(saved.history.length, 85);
});

test("--report under /proc is refused before the history is even read (exit 2, one line naming --report)", () => {
  const r = spawnCli(join(dir, "no-such-history.jsonl"), "--report", "/proc/1/x");
  assert.is(r.code, 2, r.err);
  assert.match(r.err, /--report "\/proc\/1\/x": refusing to write under \/proc/);
  assert.is(r.err.trim().split("\n").length, 1, r.err);
});

test("--timeout covers parsing: the parsers stop between lines when the caller's hook says so", () => {
  const text = Array.from({ length: 5000 }, (_, i) => put(i + 1, 10 * i, 10 * i + 5, `v${i}`, i + 2)).join("\n") + "\n";
  let asked = 0;
  assert.throws(
    () => checkHistoryText(text, "jsonl", { onProgress: () => ++asked > 0 }),
    (e: Error) => e instanceof ParseStopped,
  );
  assert.is(asked, 1, "asked once, at line 4,096");
  // Without a hook, or with one that never says stop, the same text parses and checks.
  assert.is(checkHistoryText(text, "jsonl", { onProgress: () => false }).result.verdict, "ok");
});

test("exit 2 with one line naming the line for a parse error", async () => {
  const bad = join(dir, "bad.log");
  writeFileSync(bad, "INFO  jepsen.util - 0\t:invoke\t:read\tnil\nnot a jepsen line\n");
  const r = await run(bad);
  assert.is(r.code, 2);
  assert.is(r.err, `etcdsim: check: ${bad}: line 2: expected \`INFO jepsen.util - <process> :<type> :<f> <value>\`\n`);
});

test("the command line: exit 2 and a one-line message, no stack, for bad input and bad flags", () => {
  for (const argv of [
    [join(dir, "missing.log")],
    [jepsen("000"), "--format", "csv"],
    [jepsen("000"), "--timeout", "soon"],
    [],
  ]) {
    const r = spawnCli(...argv);
    assert.is(r.code, 2, argv.join(" "));
    assert.is(r.err.trim().split("\n").length, 1, r.err);
    assert.match(r.err, /^etcdsim: /);
    assert.not.match(r.err, /\n\s+at /);
  }
});

test("the command line: exit codes 0 and 1 from the real binary", () => {
  assert.is(spawnCli(jepsen("005")).code, 0);
  const r = spawnCli(jepsen("000"), "--json");
  assert.is(r.code, 1);
  assert.is((JSON.parse(r.out) as { verdict: string }).verdict, "illegal");
});

test("empty or whitespace-only input is an error (exit 2, one line), not a linearizable history", async () => {
  for (const text of ["", "  \n\n\t\n"]) {
    const f = join(dir, "empty.txt");
    writeFileSync(f, text);
    const r = await run(f);
    assert.is(r.code, 2);
    assert.match(r.err, /empty history/);
    assert.is(r.err.trim().split("\n").length, 1);
  }
});

test("a large file that is no history is refused at line 1 without being read whole", async () => {
  const f = join(dir, "garbage.bin");
  writeFileSync(f, "zq".repeat(10 << 20)); // 20 MB, no newline
  const r = await run(f, "--format", "porcupine-etcd");
  assert.is(r.code, 2);
  assert.match(r.err, /line 1: not a porcupine-etcd history/);
});

test("integers beyond 2^53 stay exact: write 9007199254740993, read 9007199254740992 is not linearizable", async () => {
  const f = join(dir, "big.log");
  const l = (p: number, type: string, fn: string, v: string) => `INFO  jepsen.util - ${p}\t:${type}\t:${fn}\t${v}`;
  writeFileSync(
    f,
    [
      l(0, "invoke", "write", "9007199254740993"),
      l(0, "ok", "write", "9007199254740993"),
      l(1, "invoke", "read", "nil"),
      l(1, "ok", "read", "9007199254740992"),
    ].join("\n") + "\n",
  );
  assert.is((await run(f)).code, 1);
  const edn = join(dir, "big.edn");
  writeFileSync(
    edn,
    [
      "{:type :invoke, :f :write, :value 9007199254740993, :process 0}",
      "{:type :ok, :f :write, :value 9007199254740993, :process 0}",
      "{:type :invoke, :f :read, :value nil, :process 1}",
      "{:type :ok, :f :read, :value 9007199254740993, :process 1}",
    ].join("\n"),
  );
  assert.is((await run(edn)).code, 0);
  const jsonl = join(dir, "big.jsonl");
  // biome-ignore lint/correctness/noPrecisionLoss: the point of the test is a number above 2^53
  writeFileSync(jsonl, put(0, 9007199254740993, 9007199254740995, "v", 2) + "\n");
  const r = await run(jsonl);
  assert.is(r.code, 2);
  assert.match(r.err, /beyond 2\^53/);
});

test("Jepsen history.edn: register with cas, independent keys and sets; the nemesis is skipped", async () => {
  const f = join(dir, "history.edn");
  const ev = (p: number | string, type: string, fn: string, v: string) =>
    `{:type :${type}, :f :${fn}, :value ${v}, :process ${p}, :time 0}`;
  writeFileSync(
    f,
    [
      ev(0, "invoke", "write", "1"),
      ev(0, "ok", "write", "1"),
      ev(":nemesis", "info", "start", "nil"),
      ev(1, "invoke", "cas", "[1 2]"),
      ev(1, "fail", "cas", "[1 2]"),
      ev(2, "invoke", "read", "nil"),
      ev(2, "ok", "read", "1"),
    ].join("\n"),
  );
  assert.is((await run(f)).code, 0); // a :fail cas did not happen
  writeFileSync(
    f,
    [
      ev(0, "invoke", "write", "[:x 1]"),
      ev(0, "ok", "write", "[:x 1]"),
      ev(1, "invoke", "read", "[:y nil]"),
      ev(1, "ok", "read", "[:y 1]"),
    ].join("\n"),
  );
  const r = await run(f, "--json");
  assert.is(r.code, 1);
  assert.is(JSON.parse(r.out).partitions.length, 2);
  writeFileSync(
    f,
    [
      ev(0, "invoke", "add", "1"),
      ev(0, "ok", "add", "1"),
      ev(1, "invoke", "read", "nil"),
      ev(1, "ok", "read", "#{}"),
    ].join("\n"),
  );
  assert.is((await run(f)).code, 1);
});

test("a minimal failing subset is printed, and --threads does not change the answer", async () => {
  const r = await run(jepsen("040"));
  assert.is(r.code, 1);
  assert.match(r.out, /minimal failing subset \(\d+ operations?/);
  const kv = join(corpusDir(), "kv", "c10-bad.txt");
  const one = JSON.parse((await run(kv, "--json", "--threads", "1")).out);
  const two = JSON.parse((await run(kv, "--json", "--threads", "2")).out);
  for (const k of ["verdict", "partitions", "steps", "evidence"]) assert.equal(two[k], one[k], k);
});

// The scratch directory goes with the suite: test runs leave nothing in /tmp.
test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();

// Replays every transcript in testdata/ and compares it with the file (transcript.ts describes the format).
// REWRITE=1 rewrites the files with what the node does now: review the diff, then commit it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { parseTranscript, runTranscript } from "../../testing/raft/transcript.ts";

const dir = new URL("./testdata/", import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".txt"))
  .sort();
const rewrite = process.env.REWRITE === "1";

test("there are transcripts, and each starts a cluster before anything else", () => {
  assert.ok(files.length >= 20, `${files.length} transcripts`);
  for (const f of files)
    assert.match(parseTranscript(readFileSync(new URL(f, dir), "utf8"))[0]?.command ?? "", /^nodes /, f);
});

for (const f of files) {
  test(`transcript ${f}`, () => {
    const want = readFileSync(new URL(f, dir), "utf8");
    const got = runTranscript(want);
    if (rewrite) {
      if (got !== want) writeFileSync(new URL(f, dir), got);
      return;
    }
    assert.fixture(got, want, `${f} differs from what the node does now (REWRITE=1 to accept, then review the diff)`);
    assert.not.match(got, /^error: /m, `${f}: a command failed`);
  });
}

test("the parser keeps comments and rejects a command without its ---- line", () => {
  const blocks = parseTranscript("# hi\n\nnodes n1\n----\nok\n\n# bye\n");
  assert.equal(
    blocks.map((b) => [b.preamble, b.command, b.expected]),
    [
      [["# hi", ""], "nodes n1", ["ok"]],
      [["", "# bye"], "", []],
    ],
  );
  assert.throws(() => parseTranscript("nodes n1\nok\n"), /expected "----"/);
});

test.run();

import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { WORKER_EXEC_ARGV } from "./pool.ts";

test("this Node starts with a sweep worker's V8 flags (an unknown one would stop every worker at its fork)", () => {
  const r = spawnSync(process.execPath, [...WORKER_EXEC_ARGV, "-e", "0"], { encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, "");
  const unknown = spawnSync(process.execPath, [...WORKER_EXEC_ARGV, "--single-threadeds", "-e", "0"], {
    encoding: "utf8",
  });
  assert.is.not(unknown.status, 0);
});

test.run();

import { test } from "uvu";
import * as assert from "uvu/assert";
import { plainRunMs } from "./sweep.ts";

test("the plain-process reference runs the seeds it is given in a child and reports their wall time", async () => {
  const few = await plainRunMs("kv-chaos", 1, 2);
  const more = await plainRunMs("kv-chaos", 1, 12);
  assert.ok(few > 0, `wall time ${few}`);
  assert.ok(more > few, `12 seeds (${more} ms) take longer than 2 (${few} ms)`);
  const cold = await plainRunMs("kv-chaos", 1, 2, 0);
  assert.ok(cold > 0, `wall time without warm-up ${cold}`);
});

test("a plain-process run of an unknown scenario fails instead of reporting a time", async () => {
  let error: unknown;
  await plainRunMs("no-such-scenario", 1, 1).catch((e) => (error = e));
  assert.ok(error instanceof Error && /exited/.test(error.message), String(error));
});

test.run();

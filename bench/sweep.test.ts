import { test } from "uvu";
import * as assert from "uvu/assert";
import { plainRunMs, warmUpMs, workerStartMs } from "./sweep.ts";

test("the plain-process reference runs the seeds it is given in a child and reports their wall time", async () => {
  const few = await plainRunMs("kv-chaos", 1, 2);
  const more = await plainRunMs("kv-chaos", 1, 12);
  assert.ok(few > 0, `wall time ${few}`);
  assert.ok(more > few, `12 seeds (${more} ms) take longer than 2 (${few} ms)`);
  const cold = await plainRunMs("kv-chaos", 1, 2, 0);
  assert.ok(cold > 0, `wall time without warm-up ${cold}`);
});

test("the warm-up measurement runs the same seeds twice in one fresh process and times both passes", async () => {
  const w = await warmUpMs("kv-chaos", 3);
  assert.ok(w.firstMs > 0 && w.againMs > 0, JSON.stringify(w));
  // The first pass loads and compiles everything a seed touches; the second reuses it.
  assert.ok(w.firstMs > w.againMs, `first ${w.firstMs} ms, again ${w.againMs} ms`);
});

test("the worker start-up measurement forks the pool's own worker and sees it ready", async () => {
  // It once forked a worker entry whose source was gone, which only a stale build still had.
  const ms = await workerStartMs();
  assert.ok(ms > 0 && ms < 60_000, `start-up ${ms} ms`);
});

test("a plain-process run of an unknown scenario fails instead of reporting a time", async () => {
  let error: unknown;
  await plainRunMs("no-such-scenario", 1, 1).catch((e) => (error = e));
  assert.ok(error instanceof Error && /exited/.test(error.message), String(error));
});

test.run();

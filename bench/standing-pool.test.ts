import { test } from "uvu";
import * as assert from "uvu/assert";
import { interleavedSweeps, StandingPool } from "./standing-pool.ts";

test("a standing pool runs batch after batch on the same workers and times each", async () => {
  const { pool, ms } = await StandingPool.open("kv-chaos", 2);
  try {
    assert.ok(ms > 0, `start-up ${ms} ms`);
    const first = await pool.run([1, 2, 3, 4]);
    const second = await pool.run([5, 6, 7, 8]);
    assert.ok(first > 0 && second > 0, `${first} ms, ${second} ms`);
    assert.is(await pool.run([]), 0);
  } finally {
    pool.close();
  }
});

test("a pool whose workers cannot load the scenario fails to open instead of timing nothing", async () => {
  let error: unknown;
  await StandingPool.open("no-such-scenario", 1).catch((e) => (error = e));
  assert.ok(error instanceof Error && /exited/.test(error.message), String(error));
});

test("interleaved sweeps give both pools' rates over the same seeds", async () => {
  const { one, two } = await interleavedSweeps("kv-chaos", 6, 2);
  assert.ok(one > 0 && two > 0 && Number.isFinite(one) && Number.isFinite(two), `${one} ${two}`);
});

test.run();

// Fsync latency distributions: the shapes they promise, draws that depend only on their own stream,
// and a disk that keeps today's fixed latency until a distribution is set.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { drawUs, PROFILES, withMedian } from "./latency.ts";
import { quantile } from "../checkers/quantile.ts";
import { Rng } from "./rng.ts";
import { SimDisk } from "./disk.ts";
import { Scheduler } from "./scheduler.ts";

const draws = (d: Parameters<typeof drawUs>[0], n = 20_000, seed = 1) => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => drawUs(d, rng));
};

test("an NVMe fsync takes a few hundred µs, with a p99 under 2 ms", () => {
  const xs = draws(PROFILES.nvme);
  const p50 = quantile(xs, 0.5),
    p99 = quantile(xs, 0.99);
  assert.ok(p50 > 300 && p50 < 500, `p50 ${p50}`);
  assert.ok(p99 > 600 && p99 < 2000, `p99 ${p99}`);
});

test("a noisy neighbour keeps a ~1 ms median but its tail reaches tens to hundreds of ms", () => {
  const xs = draws(PROFILES["noisy-neighbour"]);
  const p50 = quantile(xs, 0.5),
    p99 = quantile(xs, 0.99),
    max = Math.max(...xs);
  assert.ok(p50 > 700 && p50 < 1500, `p50 ${p50}`);
  assert.ok(p99 > 20_000, `p99 ${p99}`);
  assert.ok(max <= PROFILES["noisy-neighbour"].maxUs && max > 100_000, `max ${max}`);
});

test("withMedian moves the median and scales the tail with it", () => {
  const xs = draws(withMedian(PROFILES.nvme, 20_000));
  const p50 = quantile(xs, 0.5);
  assert.ok(p50 > 17_000 && p50 < 23_000, `p50 ${p50}`);
  assert.is(withMedian(PROFILES["noisy-neighbour"], 2_000).tailMinUs, 10_000);
});

test("the same seed draws the same latencies", () => {
  assert.equal(draws(PROFILES.hdd, 100, 7), draws(PROFILES.hdd, 100, 7));
  assert.not.equal(draws(PROFILES.hdd, 100, 7), draws(PROFILES.hdd, 100, 8));
});

function syncTimes(configure?: (d: SimDisk) => void): { times: number[]; crashKeep: number } {
  const s = new Scheduler();
  const rng = new Rng(3);
  const d = new SimDisk({ now: () => s.now, at: (t, fn, a, b, c) => void s.at(t, fn, a, b, c) }, rng, {
    fsyncLatencyUs: 500,
    fsyncJitterUs: 500,
  });
  configure?.(d);
  const times: number[] = [];
  for (let i = 0; i < 50; i++) {
    d.append("wal", i);
    const t0 = s.now;
    d.sync(() => times.push(s.now - t0));
    while (s.step());
  }
  // The disk's own stream (torn crashes draw from it) is where it would be without a distribution.
  for (let i = 0; i < 5; i++) d.append("wal", i);
  d.crash("torn");
  return { times, crashKeep: d.read("wal").length };
}

test("a disk keeps base + jitter until a distribution is set, and the distribution draws from a stream of its own", () => {
  const plain = syncTimes();
  assert.ok(
    plain.times.every((t) => t >= 500 && t <= 1000),
    "today's fixed latency: 500 µs + up to 500 µs jitter",
  );
  const slow = syncTimes((d) => d.setFsyncLatency(() => withMedian(PROFILES.nvme, 20_000)));
  assert.ok(quantile(slow.times, 0.5) > 10_000, `median ${quantile(slow.times, 0.5)}`);
  // No jitter drawn from the disk stream any more: its crash draws differ only in that they come earlier.
  const again = syncTimes((d) => d.setFsyncLatency(() => withMedian(PROFILES.nvme, 20_000)));
  assert.equal(again, slow);
});

test.run();

import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseSeedRange, parseShard, shardSeeds } from "./sweep.ts";

test("shards of a range cover every seed exactly once, for many range and shard sizes", () => {
  for (const [from, to] of [
    [1, 1],
    [1, 100],
    [7, 1000],
    [4294967000, 4294967295],
  ] as const) {
    for (const n of [1, 2, 3, 7, 16]) {
      const seen = new Map<number, number>();
      for (let i = 1; i <= n; i++)
        for (const s of shardSeeds(from, to, { index: i, count: n })) seen.set(s, (seen.get(s) ?? 0) + 1);
      assert.is(seen.size, to - from + 1, `${from}..${to} in ${n}`);
      assert.ok([...seen.values()].every((c) => c === 1));
      assert.ok([...seen.keys()].every((s) => s >= from && s <= to));
    }
  }
});

test("shards are balanced within one seed", () => {
  const sizes = [1, 2, 3, 4, 5].map((i) => shardSeeds(1, 103, { index: i, count: 5 }).length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, JSON.stringify(sizes));
});

test("ranges and shards parse, and bad ones are refused", () => {
  assert.equal(parseSeedRange("3..9"), { from: 3, to: 9 });
  assert.equal(parseSeedRange("0x10..0x20"), { from: 16, to: 32 });
  assert.equal(parseShard("2/4"), { index: 2, count: 4 });
  for (const bad of ["9..3", "a..b", "1..", "-1..3", "1..4294967296"]) assert.throws(() => parseSeedRange(bad), bad);
  for (const bad of ["0/4", "5/4", "1/0", "x/2", "1-2"]) assert.throws(() => parseShard(bad), bad);
});

test.run();

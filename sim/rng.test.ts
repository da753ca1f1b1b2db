import seedrandom from "seedrandom";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Rng, parseSeed } from "./rng.ts";

const draw = (r: Rng, n: number) => Array.from({ length: n }, () => r.uint32());

test("every draw is seedrandom's alea, draw for draw", () => {
  for (const path of ["seed:1", "seed:4294967295", "seed:7/network", "seed:7/disk/n1"]) {
    const ours = new Rng(path);
    const theirs = seedrandom.alea(path);
    for (let i = 0; i < 5_000; i++) {
      if (i % 3 === 2) assert.is(ours.uint32(), theirs.int32() >>> 0, `${path}: uint32 draw ${i}`);
      else assert.is(ours.next(), theirs(), `${path}: draw ${i}`);
    }
  }
});

test("streams of many paths (seeded at their first draw) start as seedrandom's alea does", () => {
  const paths = Array.from(
    { length: 300 },
    (_, i) => `seed:${(i * 2654435761) >>> 0}/proc/n${i % 7}/${i % 3}/buggify-disk/é${i}`,
  );
  for (const path of paths) {
    const ours = new Rng(path);
    const theirs = seedrandom.alea(path);
    for (let i = 0; i < 3; i++) assert.is(ours.next(), theirs(), `${path}: draw ${i}`);
  }
});

test("the same seed gives the same sequence", () => {
  assert.equal(draw(new Rng(42), 50), draw(new Rng(42), 50));
});

test("different seeds give different sequences", () => {
  assert.not.equal(draw(new Rng(1), 10), draw(new Rng(2), 10));
});

test("forking a stream does not consume the parent's draws", () => {
  const a = new Rng(7);
  const b = new Rng(7);
  b.fork("network");
  b.fork("disk");
  assert.equal(draw(a, 20), draw(b, 20));
});

test("a child's sequence depends only on its name, not on when or what else was forked", () => {
  const a = new Rng(7);
  draw(a, 100);
  a.fork("extra-component");
  const late = draw(a.fork("network"), 20);
  const early = draw(new Rng(7).fork("network"), 20);
  assert.equal(late, early);
  assert.not.equal(draw(new Rng(7).fork("disk"), 20), early);
});

test("int stays within bounds and hits both ends", () => {
  const r = new Rng(3);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const x = r.int(2, 6);
    assert.ok(x >= 2 && x <= 6 && Number.isInteger(x));
    seen.add(x);
  }
  assert.equal([...seen].sort(), [2, 3, 4, 5, 6]);
});

test("chance follows its probability within bounds", () => {
  const r = new Rng(11);
  let hits = 0;
  for (let i = 0; i < 10_000; i++) if (r.chance(0.3)) hits++;
  assert.ok(hits > 2_700 && hits < 3_300, `hits ${hits}`);
  assert.ok(!new Rng(1).chance(0) && new Rng(1).chance(1));
});

test("shuffle is a permutation", () => {
  const xs = Array.from({ length: 50 }, (_, i) => i);
  const s = new Rng(5).shuffle([...xs]);
  assert.not.equal(s, xs);
  assert.equal(
    [...s].sort((a, b) => a - b),
    xs,
  );
});

test("seeds parse as unsigned 32-bit decimal or hex, nothing else", () => {
  assert.is(parseSeed("0"), 0);
  assert.is(parseSeed("4294967295"), 4294967295);
  assert.is(parseSeed("0xff"), 255);
  for (const bad of ["-1", "4294967296", "1.5", "abc", "", "0x", "1e3"]) assert.is(parseSeed(bad), undefined, bad);
});

test.run();

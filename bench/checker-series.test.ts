// A smoke run of the checker's scaling series (the full series is `etcdsim bench --only checker`):
// four small files, each checked in its own process, decided as generated, peak memory reported.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { growthExponent, runSeries, seriesShapes } from "./checker-series.ts";

test("the quick series is decided as generated, with a peak RSS per file", async () => {
  const rows = await runSeries(seriesShapes(true));
  assert.is(rows.length, 4);
  for (const r of rows) {
    assert.is(r.verdict, r.expected, r.name);
    assert.ok(r.peakRssMB > 0 && r.peakRssMB < 1024, `${r.name}: ${r.peakRssMB} MB`);
  }
});

test("the growth exponent is the slope of log time over log size", () => {
  assert.ok(
    Math.abs(
      growthExponent([
        { operations: 100, ms: 1 },
        { operations: 1000, ms: 100 },
        { operations: 10000, ms: 10000 },
      ]) - 2,
    ) < 1e-9,
  );
});

test.run();

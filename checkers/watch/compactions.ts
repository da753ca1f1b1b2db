// When each revision became compacted, as far as any member could have: a compaction is never in
// effect before it was requested, so "compacted by time t" is the highest revision requested by t.
import type { CompactionRecord } from "./types.ts";
import { WatchInputError, lowerBound } from "./change-index.ts";

export class CompactionTimeline {
  private readonly times: number[] = [];
  /** highest[i]: the highest compact revision among the first i + 1 compactions by time. */
  private readonly highest: number[] = [];

  constructor(compactions: readonly CompactionRecord[] = []) {
    compactions.forEach((c, i) => {
      if (!Number.isSafeInteger(c.revision) || c.revision < 1)
        throw new WatchInputError(`compactions[${i}]: revision ${c.revision} is not a positive integer`);
      if (!Number.isFinite(c.time)) throw new WatchInputError(`compactions[${i}]: time ${c.time} is not a number`);
    });
    const sorted = [...compactions].sort((a, b) => a.time - b.time || a.revision - b.revision);
    let max = 0;
    for (const c of sorted) {
      max = Math.max(max, c.revision);
      this.times.push(c.time);
      this.highest.push(max);
    }
  }

  /** The highest revision any compaction requested at or before `time` names (0: none). */
  compactRevisionBy(time: number): number {
    const after = lowerBound(this.times, time + 1, (t) => t);
    return after === 0 ? 0 : (this.highest[after - 1] as number);
  }
}

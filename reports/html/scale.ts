// The one time axis every chart shares: the same [t0, t1] window, the same pixel width, the same
// ticks, so a fault, a leader change and an operation line up vertically across sections.
import { assert } from "../../core/assert.ts";

/** "us": virtual microseconds, labelled in ms. "line": line numbers of an external log (Porcupine). */
export type TimeUnit = "us" | "line";

export interface Scale {
  t0: number;
  t1: number;
  /** Plot width in pixels (without the label gutter), padding included. */
  width: number;
  /** x of t1: where open-ended things (unknown outcomes, unended faults) stop. */
  right: number;
  unit: TimeUnit;
  x(t: number): number;
}

export const MIN_PLOT_WIDTH = 1100;
export const MAX_PLOT_WIDTH = 16000;
/** Room left and right of the axis so the first and last tick labels are not cut. */
export const PAD = 18;

export function makeScale(t0: number, t1: number, width: number, unit: TimeUnit): Scale {
  assert(Number.isFinite(t0) && Number.isFinite(t1), "scale bounds must be finite");
  assert(width > 0, "scale width must be positive");
  const span = t1 > t0 ? t1 - t0 : 1;
  return {
    t0,
    t1: t0 + span,
    width: width + 2 * PAD,
    right: PAD + width,
    unit,
    x: (t) => PAD + ((t - t0) / span) * width,
  };
}

/**
 * A plot wide enough that a typical (median) completed operation is a few pixels wide, within
 * bounds: long runs with many short operations scroll horizontally instead of collapsing into lines.
 */
export function chooseWidth(span: number, durations: readonly number[]): number {
  if (durations.length === 0 || span <= 0) return MIN_PLOT_WIDTH;
  const sorted = [...durations].sort((a, b) => a - b);
  const median = Math.max(1e-9, sorted[Math.floor(sorted.length / 2)]!);
  const want = Math.ceil((span / median) * 4);
  return Math.max(MIN_PLOT_WIDTH, Math.min(MAX_PLOT_WIDTH, want));
}

export interface Tick {
  t: number;
  label: string;
}

/** Ticks at 1, 2 or 5 × 10^k of the unit, about every 110 pixels. */
export function ticks(s: Scale): Tick[] {
  const span = s.t1 - s.t0;
  const target = span / Math.max(1, Math.floor((s.right - PAD) / 110));
  const pow = 10 ** Math.floor(Math.log10(Math.max(target, 1e-9)));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((v) => v >= target) ?? 10 * pow;
  const out: Tick[] = [];
  const first = Math.ceil(s.t0 / step) * step;
  for (let t = first; t <= s.t1 + 1e-9 && out.length < 2000; t += step)
    out.push({ t, label: formatTime(t, s.unit, step) });
  return out;
}

/** A time for people: ms for virtual µs (decimals only as fine as `step` needs), "line N" for logs. */
export function formatTime(t: number, unit: TimeUnit, step = 1): string {
  if (unit === "line") return String(Math.round(t));
  const ms = t / 1000;
  const decimals = step >= 1000 ? 0 : step >= 100 ? 1 : step >= 10 ? 2 : 3;
  return `${ms.toFixed(decimals)} ms`;
}

export function formatSpan(call: number, ret: number | null, unit: TimeUnit): string {
  if (unit === "line") return `lines ${call}–${ret === null ? "∞ (unknown outcome)" : ret}`;
  const a = (call / 1000).toFixed(3);
  if (ret === null) return `${a} ms – ∞ (unknown outcome)`;
  return `${a}–${(ret / 1000).toFixed(3)} ms (${((ret - call) / 1000).toFixed(3)} ms)`;
}

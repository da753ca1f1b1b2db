// Faults on the shared time axis: one bar per applied fault (real start and end), packed into lanes,
// coloured by kind, with a legend; and which processes each fault touches, for the member rows.
import { describeFault, type FaultEvent, type FaultKind } from "../../../sim/nemesis.ts";
import { chart, packLanes, type Row } from "../frame.ts";
import { clip, esc, px } from "../esc.ts";
import { formatTime, type Scale } from "../scale.ts";

export interface FaultSpan {
  fault: FaultEvent;
  start: number;
  /** undefined: never ended within the run (drawn to the right edge). */
  end: number | undefined;
}

export const FAULT_LABELS: Record<FaultKind, string> = {
  partition: "partition",
  "partition-oneway": "one-way partition",
  isolate: "isolation",
  bridge: "bridge",
  loss: "message loss",
  delay: "extra delay",
  duplicate: "duplication",
  clog: "clogged link",
  crash: "crash",
  pause: "pause",
  skew: "clock skew",
  drift: "clock drift",
  "disk-slow": "slow disk",
  "slow-messages": "heavy-tail delays",
  swizzle: "swizzle clog",
  "container-kill": "container kill",
  stop: "graceful stop",
};

const LANE = 16;
const MAX_LANES = 12;

export function faultsChart(spans: readonly FaultSpan[], s: Scale): string {
  const order = spans.map((_f, i) => i).sort((a, b) => spans[a]!.start - spans[b]!.start || a - b);
  const lanes = packLanes(
    order.map((i) => ({ start: spans[i]!.start, end: spans[i]!.end ?? Infinity })),
    MAX_LANES,
  );
  const laneCount = Math.max(1, ...lanes.map((l) => l + 1));
  const body = order
    .map((i, k) => {
      const f = spans[i]!;
      const x = Math.max(0, s.x(f.start));
      const w = f.end === undefined ? s.right - x : Math.max(2, s.x(f.end) - x);
      const y = 3 + lanes[k]! * LANE;
      const text = describeFault(f.fault);
      const when = `${formatTime(f.start, s.unit)} – ${f.end === undefined ? "end of run" : formatTime(f.end, s.unit)}`;
      const chars = Math.floor((w - 6) / 6.2);
      const label =
        chars >= 4 ? `<text class="faultlabel" x="${px(x + 3)}" y="${y + 10}">${esc(clip(text, chars))}</text>` : "";
      return `<g class="fault k-${f.fault.kind}${f.end === undefined ? " open" : ""}" data-fault="${i}" data-start="${px(x)}" data-width="${px(w)}"><rect x="${px(x)}" y="${y}" width="${px(w)}" height="${LANE - 3}"/>${label}<title>${esc(`${text}\n${when}`)}</title></g>`;
    })
    .join("");
  const row: Row = { label: "faults", title: `${spans.length} faults`, height: laneCount * LANE + 4, body };
  return chart("faults", s, [row]);
}

export function faultLegend(spans: readonly FaultSpan[]): string {
  const kinds = [...new Set(spans.map((f) => f.fault.kind))].sort();
  if (kinds.length === 0) return "";
  return `<ul class="legend">${kinds.map((k) => `<li><span class="swatch k-${k}"></span>${esc(FAULT_LABELS[k])} <span class="dim">(${spans.filter((f) => f.fault.kind === k).length})</span></li>`).join("")}</ul>`;
}

/** The processes a fault acts on; "all" for faults of the whole network (loss, delay, duplication). */
export function faultTargets(f: FaultEvent): string[] | "all" {
  switch (f.kind) {
    case "partition":
      return f.groups.flat();
    case "partition-oneway":
      return [...f.from, ...f.to];
    case "bridge":
      return [...f.sides[0], ...f.sides[1], f.bridge];
    case "clog":
      return [f.from, f.to];
    case "swizzle":
      return [...new Set(f.links.flat())];
    case "isolate":
    case "crash":
    case "stop":
    case "pause":
    case "skew":
    case "drift":
    case "disk-slow":
    case "container-kill":
      return [f.target];
    case "loss":
    case "delay":
    case "slow-messages":
    case "duplicate":
      return "all";
  }
}

// The frame every timeline chart is drawn in: a sticky label gutter on the left, a plot on the shared
// time axis on the right, one horizontal row per thing (client, member, watch, object), inside a
// horizontal scroller that the page's script keeps in step with every other chart's scroller.
import { clip, esc, px } from "./esc.ts";
import { ticks, type Scale } from "./scale.ts";

export const GUTTER = 170;
export const AXIS = 22;

export interface Row {
  label: string;
  /** Full text for the label's tooltip (the label itself may be cut). */
  title?: string;
  height: number;
  /** Extra classes for the row (e.g. "violated"). */
  cls?: string;
  /** SVG drawn in the plot, y relative to the row's top. */
  body: string;
}

export function chart(name: string, s: Scale, rows: readonly Row[]): string {
  let h = AXIS;
  const tops: number[] = [];
  for (const r of rows) {
    tops.push(h);
    h += r.height;
  }
  h += 4;
  const gutter: string[] = [];
  const plot: string[] = [];
  rows.forEach((r, i) => {
    const top = tops[i]!;
    const stripe = i % 2 === 1 ? " odd" : "";
    const cls = r.cls ? ` ${esc(r.cls)}` : "";
    gutter.push(
      `<g class="rowlabel${stripe}${cls}"><rect x="0" y="${top}" width="${GUTTER}" height="${r.height}"/><text x="8" y="${px(top + Math.min(r.height, 22) / 2 + 4)}">${esc(clip(r.label, 24))}<title>${esc(r.title ?? r.label)}</title></text></g>`,
    );
    plot.push(`<rect class="rowbg${stripe}${cls}" x="0" y="${top}" width="${px(s.width)}" height="${r.height}"/>`);
  });
  // Grid lines go over the row backgrounds and under the rows' content.
  for (const t of ticks(s)) {
    const x = px(s.x(t.t));
    plot.push(
      `<line class="grid" x1="${x}" x2="${x}" y1="${AXIS - 4}" y2="${h}"/><text class="tick" x="${x}" y="${AXIS - 8}">${esc(t.label)}</text>`,
    );
  }
  rows.forEach((r, i) => plot.push(`<g class="row" transform="translate(0,${tops[i]!})">${r.body}</g>`));
  const w = px(s.width);
  return (
    `<div class="chart" data-chart="${esc(name)}"><div class="scroller"><div class="canvas" style="width:${GUTTER + Math.ceil(s.width) + 12}px">` +
    `<svg class="gutter" width="${GUTTER}" height="${h}" viewBox="0 0 ${GUTTER} ${h}"><rect class="gutterbg" x="0" y="0" width="${GUTTER}" height="${h}"/>${gutter.join("")}</svg>` +
    `<svg class="plot" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" data-t0="${s.t0}" data-t1="${s.t1}">` +
    `<rect class="band" x="-10" y="0" width="0" height="${h}"/>${plot.join("")}` +
    `<line class="cursor" x1="-10" x2="-10" y1="0" y2="${h}"/></svg></div></div></div>`
  );
}

/**
 * Greedy interval packing: each item goes to the first lane free at its start. Open-ended items
 * (end = Infinity) keep their lane to the end. Past `maxLanes` an item shares the last lane.
 */
export function packLanes(items: readonly { start: number; end: number }[], maxLanes: number): number[] {
  const laneEnd: number[] = [];
  return items.map((it) => {
    let lane = laneEnd.findIndex((e) => e <= it.start);
    if (lane < 0) {
      if (laneEnd.length < maxLanes) lane = laneEnd.length;
      else lane = maxLanes - 1;
    }
    laneEnd[lane] = Math.max(laneEnd[lane] ?? -Infinity, it.end);
    return lane;
  });
}

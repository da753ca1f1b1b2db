// Client operations over time: a row per client, a bar from invoke to return per operation. An
// operation whose outcome is unknown has no return: its bar runs open-ended to the right edge, hatched.
// Operations that overlap on one client (it went on after a timeout) take extra lanes in its row.
import { chart, packLanes, type Row } from "../frame.ts";
import { clip, esc, px } from "../esc.ts";
import type { OpView } from "../ops.ts";
import type { Scale } from "../scale.ts";

const LANE = 15;
const BAR = 11;
/** Unknown outcomes get thinner lanes of their own below the completed operations: each one is open to the end. */
const U_LANE = 12;
const U_BAR = 10;
const MAX_LANES = 4;
const MAX_UNKNOWN_LANES = 6;

/** Evidence roles drawn on bars: "lin-prefix" (linearized, in order) and "lin-stuck" (could not be placed). */
export type OpMark = "lin-prefix" | "lin-stuck";

/** `focus`: the operation the page scrolls to on load (class "lin-focus"). */
export function clientsChart(
  ops: readonly OpView[],
  s: Scale,
  marks: ReadonlyMap<number, OpMark>,
  focus?: number,
): string {
  const byClient = new Map<number, OpView[]>();
  for (const o of ops) {
    const list = byClient.get(o.client);
    if (list) list.push(o);
    else byClient.set(o.client, [o]);
  }
  const clients = [...byClient.keys()].sort((a, b) => a - b);
  const rows: Row[] = clients.map((c) => {
    const list = byClient.get(c)!;
    const done = list.filter((o) => o.return !== null);
    const open = list.filter((o) => o.return === null);
    const doneLanes = packLanes(
      done.map((o) => ({ start: o.call, end: o.return! })),
      MAX_LANES,
    );
    const openLanes = packLanes(
      open.map((o) => ({ start: o.call, end: Infinity })),
      MAX_UNKNOWN_LANES,
    );
    const doneCount = done.length ? Math.max(...doneLanes.map((l) => l + 1)) : 1;
    const openCount = open.length ? Math.max(...openLanes.map((l) => l + 1)) : 0;
    const doneRoom = roomRight(done, doneLanes, s);
    const openRoom = roomRight(open, openLanes, s);
    const body =
      done
        .map((o, i) => bar(o, 3 + doneLanes[i]! * LANE, BAR, s, marks.get(o.id), o.id === focus, doneRoom[i]!))
        .join("") +
      open
        .map((o, i) =>
          bar(
            o,
            3 + doneCount * LANE + openLanes[i]! * U_LANE,
            U_BAR,
            s,
            marks.get(o.id),
            o.id === focus,
            openRoom[i]!,
          ),
        )
        .join("");
    const failed = list.filter((o) => o.status === "error").length;
    return {
      label: `client ${c}`,
      title: `client ${c}: ${list.length} operations, ${failed} failed, ${open.length} with unknown outcome`,
      height: doneCount * LANE + openCount * U_LANE + 4,
      cls: list.some((o) => marks.get(o.id) === "lin-stuck") ? "has-stuck" : "",
      body,
    };
  });
  return chart("clients", s, rows);
}

/** Pixels from each item's start to the next item's start in the same lane: where its label must stop (lanes past the cap overlap). */
function roomRight(list: readonly OpView[], lanes: readonly number[], s: Scale): number[] {
  const room = list.map(() => Infinity);
  const lastInLane = new Map<number, number>();
  list.forEach((o, i) => {
    const prev = lastInLane.get(lanes[i]!);
    if (prev !== undefined) room[prev] = s.x(o.call) - s.x(list[prev]!.call);
    lastInLane.set(lanes[i]!, i);
  });
  return room;
}

function bar(
  o: OpView,
  y: number,
  height: number,
  s: Scale,
  mark: OpMark | undefined,
  focus: boolean,
  room: number,
): string {
  const x = Math.max(0, s.x(o.call));
  const open = o.return === null;
  const w = open ? Math.max(2, s.right - x) : Math.max(1.5, s.x(o.return!) - x);
  const cls = `op ${o.status}${mark ? ` ${mark}` : ""}${focus ? " lin-focus" : ""}`;
  // A halo makes a narrow bar that could not be placed findable at a glance.
  const halo =
    mark === "lin-stuck"
      ? `<rect class="halo" x="${px(x - 4)}" y="${y - 3}" width="${px(w + 8)}" height="${height + 6}" rx="3"/>`
      : "";
  let out = `${halo}<rect class="${cls}" data-op="${o.id}"${open ? ` data-open-ended="true"` : ""} x="${px(x)}" y="${y}" width="${px(w)}" height="${height}"/>`;
  if (open) {
    // The chevron at the edge says "continues": the operation may take effect at any later time.
    const e = s.right;
    out += `<path class="openend" d="M${px(e - 7)} ${y} L${px(e - 2)} ${y + height / 2} L${px(e - 7)} ${y + height}"/>`;
  }
  const chars = Math.floor((Math.min(w, room, 420) - 6) / 6.2);
  if (chars >= 6)
    out += `<text class="oplabel${open ? " open" : ""}" x="${px(x + 3)}" y="${y + height - 2}">${esc(clip(o.label, chars))}</text>`;
  return out;
}

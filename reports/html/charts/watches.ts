// Watch streams: a row per watch, events plotted by revision (up) against arrival time (right), so
// order, gaps and repeats show as shape. PUT and DELETE events are dots, progress notifications
// hollow squares, a cancel a cross; a watch the watch checker faulted is outlined, with its violations ringed.
import type { WatchRecord } from "../../../checkers/history.ts";
import type { WatchViolation } from "../../../checkers/watch/types.ts";
import { chart, type Row } from "../frame.ts";
import { clip, esc, px } from "../esc.ts";
import { formatTime, type Scale } from "../scale.ts";
import { showKey, showRange } from "../describe.ts";

const HEIGHT = 46;
export const MAX_WATCHES = 60;
const MAX_POINTS = 3000;

export function watchesChart(
  watches: readonly WatchRecord[],
  s: Scale,
  end: number,
  violations: readonly WatchViolation[],
): string {
  const shown = watches.slice(0, MAX_WATCHES);
  let lo = Infinity,
    hi = -Infinity;
  for (const w of shown) {
    if (w.request.startRevision) {
      lo = Math.min(lo, w.request.startRevision);
      hi = Math.max(hi, w.request.startRevision);
    }
    for (const r of w.responses) {
      for (const e of r.response.events) {
        lo = Math.min(lo, e.kv.modRevision);
        hi = Math.max(hi, e.kv.modRevision);
      }
      if (r.response.header.revision > 0) hi = Math.max(hi, r.response.header.revision);
    }
  }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  if (hi <= lo) hi = lo + 1;
  const y = (rev: number) => 5 + (1 - (rev - lo) / (hi - lo)) * (HEIGHT - 12);

  const rows: Row[] = shown.map((w, wi) => {
    const mine = violations.filter((v) => v.watch === wi);
    const canceledAt = w.responses.find((r) => r.response.canceled)?.time;
    const last = canceledAt ?? end;
    const x0 = s.x(w.call);
    let body = `<line class="wline" x1="${px(x0)}" x2="${px(Math.max(x0 + 1, s.x(last)))}" y1="${HEIGHT - 4}" y2="${HEIGHT - 4}"/>`;
    let points = 0,
      events = 0;
    for (const [ri, r] of w.responses.entries()) {
      const x = px(s.x(r.time));
      const resp = r.response;
      if (resp.canceled) {
        body += `<g class="wcancel"><path d="M${px(s.x(r.time) - 4)} ${HEIGHT - 12} l8 8 m0 -8 l-8 8"/><title>${esc(`canceled at ${formatTime(r.time, s.unit)}${resp.compactRevision ? `: compacted, compact revision ${resp.compactRevision}` : ""}${resp.cancelReason ? ` (${resp.cancelReason})` : ""}`)}</title></g>`;
        continue;
      }
      if (resp.created && resp.events.length === 0) {
        body += `<line class="wcreated" x1="${x}" x2="${x}" y1="${HEIGHT - 10}" y2="${HEIGHT}"/>`;
        continue;
      }
      if (resp.events.length === 0) {
        if (points++ < MAX_POINTS)
          body += `<rect class="wprogress" x="${px(s.x(r.time) - 3)}" y="${px(y(resp.header.revision) - 3)}" width="6" height="6"><title>${esc(`progress notification: revision ${resp.header.revision} at ${formatTime(r.time, s.unit)}`)}</title></rect>`;
        continue;
      }
      events += resp.events.length;
      if (points >= MAX_POINTS) continue;
      const tip =
        `${formatTime(r.time, s.unit)}, response ${ri}: ` +
        resp.events
          .slice(0, 6)
          .map((e) => `${e.type} ${showKey(e.kv.key)} @${e.kv.modRevision}`)
          .join(", ") +
        (resp.events.length > 6 ? `, +${resp.events.length - 6}` : "");
      body += `<g class="wresp" data-watch="${wi}" data-response="${ri}">`;
      for (const e of resp.events) {
        if (points++ >= MAX_POINTS) break;
        body += `<circle class="ev ${e.type === "PUT" ? "put" : "del"}" cx="${x}" cy="${px(y(e.kv.modRevision))}" r="2.6"/>`;
      }
      body += `<title>${esc(tip)}</title></g>`;
    }
    for (const v of mine) {
      const at =
        v.response !== undefined
          ? w.responses[v.response]?.time
          : w.responses.find((r) => r.response.events.some((e) => e.kv.modRevision === v.revision))?.time;
      const t = at ?? last;
      body += `<g class="wviolation"><circle cx="${px(s.x(t))}" cy="${px(y(v.revision))}" r="7"/><title>${esc(v.message)}</title></g>`;
    }
    body += `<text class="revlabel" x="2" y="10">r${hi}</text><text class="revlabel" x="2" y="${HEIGHT - 6}">r${lo}</text>`;
    const req = w.request;
    const label = `c${w.client} w${w.watchId} ${showRange(req.key, req.rangeEnd)}`;
    const title =
      `client ${w.client}, watch ${w.watchId} on ${w.member}: ${showRange(req.key, req.rangeEnd)} from revision ${req.startRevision ?? 0}` +
      `${req.filters?.length ? `, filters ${req.filters.join(",")}` : ""}${req.prevKv ? ", prevKv" : ""}${req.progressNotify ? ", progressNotify" : ""}` +
      `; ${w.responses.length} responses, ${events} events${mine.length ? `; ${mine.length} violations` : ""}`;
    return { label: clip(label, 24), title, height: HEIGHT, cls: mine.length ? "violated" : "", body };
  });
  return chart("watches", s, rows);
}

// Who leads, at which term, on which member: a "leaders" row (overlapping leaders stand out; two
// leaders of one term are drawn as a conflict), then a row per member with its role over time and,
// beneath it, a strip per fault that touched that member (crashes and pauses also shade the row).
import type { TimelinePoint } from "../../../scenarios/types.ts";
import { describeFault } from "../../../sim/nemesis.ts";
import { chart, packLanes, type Row } from "../frame.ts";
import { clip, cssToken, esc, px } from "../esc.ts";
import { formatTime, type Scale } from "../scale.ts";
import { faultTargets, type FaultSpan } from "./faults.ts";

interface Segment {
  member: string;
  role: string;
  term: number;
  commitIndex?: number;
  start: number;
  end: number;
}

const ROLE_BAR = 13;
const STRIP = 5;
const MAX_LANES = 4;

const natural = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });

/** Roles as etcd-io/raft names them ("StateLeader", "StatePreCandidate") or in lower case ("leader"). */
export function normalizeRole(role: string): string {
  const r = role.toLowerCase().replace(/^state[-_ ]?/, "");
  return r === "precandidate" || r === "pre_candidate" ? "pre-candidate" : r;
}

/** A member's role holds from its sample's time until the member's next sample (or the end). */
export function segments(points: readonly TimelinePoint[], end: number): Map<string, Segment[]> {
  const byMember = new Map<string, TimelinePoint[]>();
  for (const p of points) {
    const list = byMember.get(p.member);
    if (list) list.push(p);
    else byMember.set(p.member, [p]);
  }
  const out = new Map<string, Segment[]>();
  for (const m of [...byMember.keys()].sort(natural)) {
    const list = [...byMember.get(m)!].sort((a, b) => a.time - b.time);
    const segs: Segment[] = [];
    list.forEach((p, i) => {
      const next = list[i + 1]?.time ?? Math.max(end, p.time);
      const role = normalizeRole(p.role);
      const last = segs[segs.length - 1];
      if (last && last.role === role && last.term === p.term) {
        last.end = next;
        if (p.commitIndex !== undefined) last.commitIndex = p.commitIndex;
        return;
      }
      const seg: Segment = { member: m, role, term: p.term, start: p.time, end: next };
      if (p.commitIndex !== undefined) seg.commitIndex = p.commitIndex;
      segs.push(seg);
    });
    out.set(m, segs);
  }
  return out;
}

export function membersChart(
  points: readonly TimelinePoint[],
  faults: readonly FaultSpan[],
  s: Scale,
  end: number,
): string {
  const segs = segments(points, end);
  const members = new Set(segs.keys());
  for (const f of faults) {
    const t = faultTargets(f.fault);
    if (t !== "all") for (const m of t) members.add(m);
  }
  const names = [...members].sort(natural);
  const colour = new Map(names.map((m, i) => [m, i % 8]));
  const rows: Row[] = [];

  if (segs.size > 0) {
    const leaders = [...segs.values()]
      .flat()
      .filter((g) => g.role === "leader")
      .sort((a, b) => a.start - b.start || natural(a.member, b.member));
    const lanes = packLanes(
      leaders.map((g) => ({ start: g.start, end: g.end })),
      MAX_LANES,
    );
    const laneCount = Math.max(1, ...lanes.map((l) => l + 1));
    const body = leaders
      .map((g, i) => {
        const conflict = leaders.some(
          (o) => o !== g && o.term === g.term && o.member !== g.member && o.start < g.end && g.start < o.end,
        );
        const x = s.x(g.start),
          w = Math.max(2, s.x(g.end) - x),
          y = 3 + lanes[i]! * 16;
        const text = `${g.member} T${g.term}`;
        const chars = Math.floor((w - 4) / 6.2);
        return `<g class="leader m${colour.get(g.member)}${conflict ? " conflict" : ""}"><rect x="${px(x)}" y="${y}" width="${px(w)}" height="13"/>${chars >= 3 ? `<text x="${px(x + 3)}" y="${y + 10}">${esc(clip(text, chars))}</text>` : ""}<title>${esc(`${g.member} leads term ${g.term}, ${formatTime(g.start, s.unit)} – ${formatTime(g.end, s.unit)}${conflict ? "\nANOTHER LEADER OF THE SAME TERM OVERLAPS" : ""}`)}</title></g>`;
      })
      .join("");
    rows.push({
      label: "leaders",
      title: "the leader(s) over time; two leaders of one term are outlined in red",
      height: laneCount * 16 + 4,
      body,
    });
  }

  for (const m of names) {
    const mine = faults.filter((f) => {
      const t = faultTargets(f.fault);
      return t !== "all" && t.includes(m);
    });
    const stripLanes = packLanes(
      mine.map((f) => ({ start: f.start, end: f.end ?? Infinity })),
      MAX_LANES,
    );
    const stripCount = mine.length ? Math.max(...stripLanes.map((l) => l + 1)) : 0;
    const hasRoles = segs.has(m);
    const top = hasRoles ? 3 + ROLE_BAR + 3 : 3;
    const height = top + stripCount * (STRIP + 2) + 4;
    let body = "";
    // Crashes and pauses shade the whole row: the member does nothing then.
    for (const f of mine) {
      if (f.fault.kind !== "crash" && f.fault.kind !== "pause") continue;
      const x = s.x(f.start),
        w = f.end === undefined ? s.right - x : Math.max(2, s.x(f.end) - x);
      body += `<rect class="down k-${f.fault.kind}" x="${px(x)}" y="0" width="${px(w)}" height="${height}"/>`;
    }
    for (const g of segs.get(m) ?? []) {
      const x = s.x(g.start),
        w = Math.max(1, s.x(g.end) - x);
      const chars = Math.floor((w - 4) / 6.2);
      const text = g.role === "leader" ? `leader T${g.term}` : `T${g.term}`;
      const tip = `${m}: ${g.role}, term ${g.term}${g.commitIndex !== undefined ? `, commitIndex ${g.commitIndex}` : ""}\n${formatTime(g.start, s.unit)} – ${formatTime(g.end, s.unit)}`;
      body += `<g class="role role-${cssToken(g.role)}"><rect x="${px(x)}" y="3" width="${px(w)}" height="${ROLE_BAR}"/>${chars >= text.length ? `<text x="${px(x + 3)}" y="13">${esc(text)}</text>` : ""}<title>${esc(tip)}</title></g>`;
    }
    mine.forEach((f, i) => {
      const x = s.x(f.start),
        w = f.end === undefined ? s.right - x : Math.max(2, s.x(f.end) - x);
      body += `<rect class="strip k-${f.fault.kind}" x="${px(x)}" y="${top + stripLanes[i]! * (STRIP + 2)}" width="${px(w)}" height="${STRIP}"><title>${esc(`${describeFault(f.fault)}\n${formatTime(f.start, s.unit)} – ${f.end === undefined ? "end of run" : formatTime(f.end, s.unit)}`)}</title></rect>`;
    });
    rows.push({
      label: m,
      title: `${m}: ${segs.get(m)?.length ?? 0} role changes, ${mine.length} faults`,
      height,
      body,
    });
  }
  return chart("members", s, rows);
}

/** The role legend: the roles that occur, in a fixed order. */
export function roleLegend(points: readonly TimelinePoint[]): string {
  const known = ["leader", "candidate", "pre-candidate", "follower", "learner"];
  const roles = [...new Set(points.map((p) => normalizeRole(p.role)))].sort((a, b) => {
    const ia = known.indexOf(a),
      ib = known.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  if (roles.length === 0) return "";
  return `<ul class="legend">${roles.map((r) => `<li><span class="swatch role-${cssToken(r)}"></span>${esc(r)}</li>`).join("")}<li><span class="swatch down k-crash"></span>crashed</li><li><span class="swatch down k-pause"></span>paused</li></ul>`;
}

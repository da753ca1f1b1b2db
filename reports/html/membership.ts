// The membership operator's actions (extra.membership of a membership-change run), as a table in step
// order: what it asked, what the leader said (applied, or why not), and when each step held.
import type { MembershipLogEntry } from "../../harness/etcd/membership.ts";
import { esc } from "./esc.ts";
import { formatTime, type TimeUnit } from "./scale.ts";

export interface MembershipAction {
  time: number;
  step: number;
  what: string;
}

/** The operator's actions of a membership run (RunResult.extra.membership), in step order. */
export function readMembership(
  x: readonly MembershipLogEntry[] | undefined,
): { actions: MembershipAction[]; skipped: number } | undefined {
  if (x === undefined) return undefined;
  return { actions: x.map((a) => ({ time: a.time, step: a.step, what: a.what })), skipped: 0 };
}

export function membershipSection(
  m: { actions: readonly MembershipAction[]; skipped: number },
  unit: TimeUnit,
): string {
  const rows = m.actions
    .map((a) => {
      const kind = a.what.startsWith("step done") ? "done" : a.what.endsWith(": applied") ? "applied" : "refused";
      return `<tr class="mc-${kind}"><td class="num">${esc(formatTime(a.time, unit))}</td><td class="num">${a.step + 1}</td><td class="mono">${esc(a.what)}</td></tr>`;
    })
    .join("");
  const note =
    m.skipped > 0 ? `<p class="note">${m.skipped} malformed entries of extra.membership were skipped.</p>` : "";
  return `<section id="membership-section"><h2>Membership changes (${m.actions.length})</h2>${note}<table class="membership"><thead><tr><th>time</th><th>step</th><th>action and answer</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

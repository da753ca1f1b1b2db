// The page's non-timeline parts: the checks table (failures first and expanded, with their evidence)
// and the linearizability explanation (longest linearizable prefix, operations that could not follow).
import type { CheckResult } from "../../checkers/types.ts";
import { esc, jsonCapped } from "./esc.ts";
import { readLinEvidence, readPending, readWatchEvidence, type EvidenceRef, type LinPartition } from "./evidence.ts";
import type { OpView } from "./ops.ts";
import { formatSpan, type TimeUnit } from "./scale.ts";

const RANK = { fail: 0, unknown: 1, pass: 2 } as const;
const EVIDENCE_CHARS = 20_000;
const PREFIX_TAIL = 12;
const MAX_PREFIX_ITEMS = 2000;

/** Failures first, then inconclusive, then passes; otherwise the checkers' order. */
export function orderChecks(checks: readonly CheckResult[]): CheckResult[] {
  return checks
    .map((c, i) => ({ c, i }))
    .sort((a, b) => RANK[a.c.verdict] - RANK[b.c.verdict] || a.i - b.i)
    .map((x) => x.c);
}

export function checksSection(checks: readonly CheckResult[]): string {
  if (checks.length === 0)
    return `<section id="checks-section"><h2>Checks</h2><p class="note">No checks ran.</p></section>`;
  const rows = orderChecks(checks).map((c) => {
    const row = `<tr class="check ${c.verdict}" data-check="${esc(c.name)}"><td class="v">${c.verdict.toUpperCase()}</td><td class="name">${esc(c.name)}</td><td class="msg">${esc(c.message)}</td></tr>`;
    if (c.evidence === undefined) return row;
    return `${row}<tr class="evidence-row"><td colspan="3"><details${c.verdict === "pass" ? "" : " open"}><summary>evidence</summary>${evidenceHtml(c)}</details></td></tr>`;
  });
  return `<section id="checks-section"><h2>Checks</h2><table class="checks" id="checks"><thead><tr><th>verdict</th><th>check</th><th>message</th></tr></thead><tbody>${rows.join("")}</tbody></table></section>`;
}

function evidenceHtml(c: CheckResult): string {
  const lin = readLinEvidence(c);
  if (lin) {
    const placed = lin.reduce((a, p) => a + p.longestPrefix.length, 0);
    const stuck = lin.reduce((a, p) => a + p.couldNotPlace.length, 0);
    return `<p>Longest linearizable prefix: ${placed} operations; ${stuck} could not be placed after it. <a href="#linearizability">Explanation</a>; they are highlighted in the client timeline.</p>`;
  }
  const watch = readWatchEvidence(c);
  if (watch) {
    const items = watch.violations
      .slice(0, 20)
      .map((v) => `<li><b>${esc(v.guarantee)}</b> ${esc(v.message)}</li>`)
      .join("");
    const unkept = watch.unkeptWatches
      ? ` The last ${watch.unkeptWatches} watches were judged as they ended and not kept (neither drawn nor in watches.jsonl).`
      : "";
    return `<p>${watch.violationCount} violation(s) over ${watch.watches} watches, ${watch.events} events; faulted watches are outlined in the watch chart.${unkept}</p><ul>${items}</ul>${watch.violations.length > 20 ? `<p class="note">${watch.violations.length - 20} more in result.json.</p>` : ""}`;
  }
  const pending = readPending(c);
  if (pending) {
    return `<p>Pending when the run ended:</p><ul class="pending">${pending
      .slice(0, 100)
      .map((p) => `<li>${esc(p)}</li>`)
      .join("")}</ul>${pending.length > 100 ? `<p class="note">${pending.length - 100} more.</p>` : ""}`;
  }
  return `<pre>${esc(jsonCapped(c.evidence, EVIDENCE_CHARS))}</pre>`;
}

export interface ResolvedLin {
  check: CheckResult;
  partitions: LinPartition[];
  find: (r: EvidenceRef) => OpView | undefined;
}

export function linSection(lins: readonly ResolvedLin[], unit: TimeUnit): string {
  if (lins.length === 0) return "";
  const parts: string[] = [];
  for (const l of lins) {
    for (const p of l.partitions) {
      const describe = (r: EvidenceRef) => r.description ?? l.find(r)?.label ?? `operation ${r.op ?? "?"}`;
      const unresolved = [...p.longestPrefix, ...p.couldNotPlace].filter((r) => !l.find(r)).length;
      const stuckRows = p.couldNotPlace.map((r) => {
        const o = l.find(r);
        const client = o?.client ?? r.clientId;
        const call = o?.call ?? r.call;
        const ret = o ? o.return : (r.return ?? null);
        return `<tr class="stuck"${o ? ` data-goto-op="${o.id}"` : ""}><td>${client ?? "?"}</td><td>#${o?.id ?? r.op ?? "?"}</td><td>${call !== undefined ? esc(formatSpan(call, ret, unit)) : ""}</td><td class="mono">${esc(describe(r))}</td><td>${esc(r.reason ?? "")}</td></tr>`;
      });
      const prefix = p.longestPrefix.slice(-MAX_PREFIX_ITEMS);
      const start = p.longestPrefix.length - prefix.length;
      const item = (r: EvidenceRef, i: number) => {
        const o = l.find(r);
        return `<li value="${start + i + 1}"${o ? ` data-goto-op="${o.id}"` : ""}><span class="mono">${esc(describe(r))}</span> <span class="dim">client ${o?.client ?? r.clientId ?? "?"}, #${o?.id ?? r.op ?? "?"}</span></li>`;
      };
      const tail = prefix.slice(-PREFIX_TAIL);
      const head = prefix.slice(0, prefix.length - tail.length);
      const prefixHtml =
        p.longestPrefix.length === 0
          ? `<p>No operation could be linearized first.</p>`
          : `${head.length ? `<details><summary>${head.length + start} earlier operations of the prefix</summary><ol class="prefix">${head.map(item).join("")}</ol></details>` : ""}<ol class="prefix">${tail.map((r, i) => item(r, head.length + i)).join("")}</ol>`;
      // The minimal failing subset first: the few operations that cannot be ordered.
      const m = p.minimalSubset;
      const minimalHtml = !m
        ? ""
        : `<h3>Minimal failing subset: ${m.operations.length} operation${m.operations.length === 1 ? "" : "s"}</h3>` +
          `<p>These operations cannot be ordered, even if every other write of the partition may or may not have happened${m.complete ? "; without any one of them the rest can be" : " (not proven minimal: the search budget ran out)"}:</p>` +
          `<table class="lin" id="minimal-subset"><thead><tr><th>client</th><th>op</th><th>time</th><th>operation</th></tr></thead><tbody>${m.operations
            .map((r) => {
              const o = l.find(r);
              const call = o?.call ?? r.call;
              return `<tr class="stuck"${o ? ` data-goto-op="${o.id}"` : ""}><td>${o?.client ?? r.clientId ?? "?"}</td><td>#${o?.id ?? r.op ?? "?"}</td><td>${call !== undefined ? esc(formatSpan(call, o ? o.return : (r.return ?? null), unit)) : ""}</td><td class="mono">${esc(describe(r))}</td></tr>`;
            })
            .join("")}</tbody></table>`;
      parts.push(
        `<div class="lin-partition"><h3>${esc(l.check.name)}${p.partition !== undefined ? `, partition ${p.partition}` : ""}</h3>` +
          minimalHtml +
          `<p>The longest linearizable prefix has <b>${p.longestPrefix.length}</b> operations${p.stateAfterPrefix !== undefined ? `; after it the state is <code>${esc(p.stateAfterPrefix)}</code>` : ""}. None of these <b>${p.couldNotPlace.length}</b> operations can come next (click one to find it in the client timeline):</p>` +
          `<table class="lin" id="could-not-place"><thead><tr><th>client</th><th>op</th><th>time</th><th>operation</th><th>why</th></tr></thead><tbody>${stuckRows.join("")}</tbody></table>` +
          `<h3>Longest linearizable prefix, in linearization order</h3>${prefixHtml}` +
          `${unresolved ? `<p class="note">${unresolved} evidence operations were not found in the drawn history.</p>` : ""}</div>`,
      );
    }
  }
  return `<section id="linearizability"><h2>Linearizability failure</h2>${parts.join("")}</section>`;
}

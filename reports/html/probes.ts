// The code-probe section of the HTML report: every declared probe with how often this run reached it;
// those never hit are listed too (required ones flagged), so a reader sees what the run did not reach.
import type { ProbeTable } from "../../scenarios/probes.ts";
import { esc } from "./esc.ts";

export function probesSection(t: ProbeTable): string {
  const hit = t.rows.filter((r) => r.hits > 0).length;
  const rows = t.rows
    .map(
      (r) =>
        `<tr class="probe${r.hits === 0 ? " never" : ""}" data-probe="${esc(r.name)}"><td class="name"><code>${esc(r.name)}</code></td><td class="hits">${r.hits}</td><td>${r.required ? "required" : ""}</td><td class="msg">${esc(r.what)}</td></tr>`,
    )
    .join("");
  const never =
    t.requiredNeverHit.length > 0
      ? `<p class="note">Required probes never hit in this run: ${t.requiredNeverHit.map((n) => `<code>${esc(n)}</code>`).join(", ")} (a CI sweep fails if none of its runs hits them).</p>`
      : "";
  return `<section id="probes-section"><h2>Code probes (${hit} of ${t.rows.length} hit)</h2>${never}<table class="checks probes" id="probes"><thead><tr><th>probe</th><th>hits</th><th></th><th>rare path</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

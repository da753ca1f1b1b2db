// JUnit XML for CI: one testcase per seed; a failure carries its checks and the repro command.
export interface JunitCase {
  seed: number;
  verdict: string;
  traceHash: string;
  checks: { name: string; verdict: string; message: string }[];
  repro: string;
  wallMs?: number;
}

const x = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);

export function junitXml(suite: string, cases: readonly JunitCase[]): string {
  const failures = cases.filter((c) => c.verdict === "fail").length;
  const errors = cases.filter((c) => c.verdict === "unknown").length;
  const body = cases.map((c) => {
    const name = `${suite} seed ${c.seed}`;
    const time = ((c.wallMs ?? 0) / 1000).toFixed(3);
    if (c.verdict === "pass") return `  <testcase classname="etcdsim.${x(suite)}" name="${x(name)}" time="${time}"/>`;
    const bad = c.checks.filter((k) => k.verdict !== "pass");
    const text = [...bad.map((k) => `${k.name}: ${k.verdict}: ${k.message}`), `traceHash ${c.traceHash}`, `repro: ${c.repro}`].join("\n");
    const tag = c.verdict === "fail" ? "failure" : "error";
    return `  <testcase classname="etcdsim.${x(suite)}" name="${x(name)}" time="${time}">\n    <${tag} message="${x(bad[0] ? `${bad[0].name}: ${bad[0].message}` : c.verdict)}">${x(text)}</${tag}>\n  </testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n <testsuite name="etcdsim ${x(suite)}" tests="${cases.length}" failures="${failures}" errors="${errors}">\n${body.join("\n")}\n </testsuite>\n</testsuites>\n`;
}

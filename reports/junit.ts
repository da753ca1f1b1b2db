// JUnit XML for CI: one testcase per seed; a failure carries its checks and the repro command.
export interface JunitCase {
  seed: number;
  verdict: string;
  traceHash: string;
  checks: { name: string; verdict: string; message: string }[];
  repro: string;
  wallMs?: number;
}

const x = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);

/** An interrupted sweep: its JUnit holds the seeds done and one error case saying so. */
export interface JunitInterrupted {
  signal: string;
  planned: number;
}

export function junitXml(suite: string, cases: readonly JunitCase[], interrupted?: JunitInterrupted): string {
  const failures = cases.filter((c) => c.verdict === "fail").length;
  const errors = cases.filter((c) => c.verdict === "unknown").length + (interrupted ? 1 : 0);
  const body = cases.map((c) => {
    const name = `${suite} seed ${c.seed}`;
    const time = ((c.wallMs ?? 0) / 1000).toFixed(3);
    if (c.verdict === "pass") return `  <testcase classname="etcdsim.${x(suite)}" name="${x(name)}" time="${time}"/>`;
    const bad = c.checks.filter((k) => k.verdict !== "pass");
    const text = [
      ...bad.map((k) => `${k.name}: ${k.verdict}: ${k.message}`),
      `traceHash ${c.traceHash}`,
      `repro: ${c.repro}`,
    ].join("\n");
    const tag = c.verdict === "fail" ? "failure" : "error";
    return `  <testcase classname="etcdsim.${x(suite)}" name="${x(name)}" time="${time}">\n    <${tag} message="${x(bad[0] ? `${bad[0].name}: ${bad[0].message}` : c.verdict)}">${x(text)}</${tag}>\n  </testcase>`;
  });
  if (interrupted) {
    const msg = `interrupted by ${interrupted.signal} after ${cases.length} of ${interrupted.planned} seeds`;
    body.push(
      `  <testcase classname="etcdsim.${x(suite)}" name="${x(`${suite} interrupted`)}" time="0.000">\n    <error type="interrupted" message="${x(msg)}">${x(msg)}</error>\n  </testcase>`,
    );
  }
  const props = interrupted
    ? `  <properties><property name="interrupted" value="true"/><property name="planned" value="${interrupted.planned}"/></properties>\n`
    : "";
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n <testsuite name="etcdsim ${x(suite)}" tests="${cases.length + (interrupted ? 1 : 0)}" failures="${failures}" errors="${errors}">\n${props}${body.join("\n")}\n </testsuite>\n</testsuites>\n`;
}

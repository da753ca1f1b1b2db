// responsive: in a run with no faults, every client operation is answered promptly. Safety checkers
// accept an operation answered late, or never (its outcome is unknown), so a cluster that leaves a
// request waiting for something that never comes passes them all; on a healthy cluster that is a bug.
// etcd had them: a ReadIndex request the leader dropped while it had not yet committed an entry of
// its term left the read waiting for the member's timeout (etcd #12680; the leader has postponed them
// since #12762), and a read index that was lost blocked the reads behind it (#9566).
//
// Judged from the client history alone: each operation's answer (success or error) came within the bound
// of its call, and one still unanswered when the run ended was called less than the bound before.
import type { EtcdOperation } from "../history.ts";
import type { PlainCheck } from "../types.ts";

const ms = (us: number) => `${(us / 1000).toFixed(1)}ms`;

export function checkResponsive(operations: readonly EtcdOperation[], boundUs: number, endUs: number): PlainCheck {
  const late: string[] = [];
  let answered = 0;
  let slowest: EtcdOperation | undefined;
  for (const op of operations) {
    if (op.return === null) {
      if (endUs - op.call >= boundUs)
        late.push(
          `${op.request.kind} #${op.id} by client ${op.client}, called at ${ms(op.call)}, never answered (the run ended at ${ms(endUs)})`,
        );
      continue;
    }
    answered++;
    const took = op.return - op.call;
    if (slowest === undefined || took > slowest.return! - slowest.call) slowest = op;
    if (took > boundUs)
      late.push(
        `${op.request.kind} #${op.id} by client ${op.client}, called at ${ms(op.call)}, answered ${op.error !== undefined ? `"${op.error}" ` : ""}after ${ms(took)}`,
      );
  }
  if (late.length > 0)
    return {
      name: "responsive",
      verdict: "fail",
      message: `${late[0]} (bound ${ms(boundUs)}, no faults)${late.length > 1 ? ` (and ${late.length - 1} more)` : ""}`,
    };
  return {
    name: "responsive",
    verdict: "pass",
    message: `${answered} operations with no faults, each answered within ${ms(boundUs)} of its call${slowest === undefined ? "" : ` (slowest: ${slowest.request.kind} in ${ms(slowest.return! - slowest.call)})`}`,
  };
}

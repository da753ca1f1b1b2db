// The etcd operator who answers a NOSPACE alarm as etcd's runbook says: compact at the current revision,
// defragment every member, then `alarm disarm` — a person with etcdctl, not a fault target. Used by the
// scenarios that fill etcd's space quota (quota-pressure, and auth-revoke on the seeds it sets a quota).
import type { BugSet } from "../../core/bugs.ts";
import type { Actor, Env } from "../../core/env.ts";
import { EtcdClient, type HistoryRecorder } from "../../core/etcd/client.ts";
import { type AlarmChangeCall, MaintenanceClient } from "../../core/etcd/maintenance.ts";
import type { MaintenanceRequest, MaintenanceResult } from "../../core/etcd/protocol.ts";

/** What the operator did, for the report and the liveness predicate. */
export interface OperatorLog {
  busy: boolean;
  steps: { time: number; what: string }[];
}

/**
 * The etcd operator (a person with etcdctl, not a fault target): polls `alarm list`; on NOSPACE it
 * compacts at the current revision, defragments every member one by one, waits, then disarms every
 * alarm. A step that fails (a member down, a timeout) starts the whole response again at the next poll.
 */
export function etcdOperator(
  env: Env,
  o: {
    members: string[];
    history: HistoryRecorder;
    clientId: number;
    bugs: BugSet;
    pollUs: number;
    disarmDelayUs: number;
    log: OperatorLog;
    /** With etcd auth on: the operator's credentials (root) for its compaction and probe write. */
    auth?: { user: string; password: string };
    /** Where its alarm disarms are logged (etcd-nospace). */
    alarmCalls?: AlarmChangeCall[];
  },
): Actor {
  const kv = new EtcdClient(env, {
    clientId: o.clientId,
    bugs: o.bugs,
    members: o.members,
    requestTimeoutUs: 1_000_000,
    streamTimeoutUs: 1_000_000,
    recorder: o.history,
    ...(o.auth !== undefined ? { auth: o.auth } : {}),
  });
  const maint = new MaintenanceClient(env, undefined, o.alarmCalls);
  // With auth on, etcd's Maintenance service wants root's token (Alarm since GHSA-q8m4-xhhv-38mg's fix):
  // the operator logs in first, and again once a call finds its token dead (expired, or the member
  // restarted), then asks once more, as etcdctl, which logs in for every command, would have. Failing the
  // step instead left it to the next poll's whole response, whose wait before the disarm outlived a short
  // --auth-token-ttl every time (option fuzz: auth-revoke, a 155 ms TTL, NOSPACE never disarmed).
  const call = (member: string, request: MaintenanceRequest, cb: (r: MaintenanceResult) => void): void => {
    if (o.auth === undefined) return maint.call(member, request, cb);
    const send = (again: boolean) =>
      maint.call(
        member,
        request,
        (r) => {
          if (r.error !== "invalid-auth-token") return cb(r);
          kv.dropToken();
          if (again) withToken(() => send(false));
          else cb(r);
        },
        kv.currentToken,
      );
    const withToken = (then: () => void) =>
      kv.currentToken !== undefined
        ? then()
        : kv.login((r) => (r.ok || r.error === "auth-not-enabled" ? then() : cb({ error: r.error })));
    withToken(() => send(true));
  };
  let ask = 0;
  const step = (what: string) => o.log.steps.push({ time: env.now(), what });
  const done = (ok: boolean, what: string) => {
    step(what);
    o.log.busy = !ok;
    env.setTimer(o.pollUs, poll);
  };
  const poll = () => {
    const member = o.members[ask++ % o.members.length]!;
    call(member, { op: "alarmList" }, (r) => {
      if (r.error !== undefined) return void env.setTimer(o.pollUs, poll);
      if ((r.alarms ?? []).length === 0) return o.log.busy ? probeWrite() : void env.setTimer(o.pollUs, poll);
      o.log.busy = true;
      step(`alarm list on ${member}: ${r.alarms!.map((a) => `${a.alarm} from ${a.member}`).join(", ")}`);
      respond(r.alarms!.map((a) => a.member));
    });
  };
  const respond = (raisedBy: string[]) => {
    kv.range({ key: "/" }, (r) => {
      if (!r.ok) return done(false, `status read failed: ${r.error}`);
      const rev = r.value.header.revision;
      kv.compact({ revision: rev }, (c) => {
        if (!c.ok && c.error !== "compacted") return done(false, `compact ${rev} failed: ${c.error}`);
        step(`compacted at ${rev}`);
        defrag(0, raisedBy);
      });
    });
  };
  const defrag = (i: number, raisedBy: string[]) => {
    const m = o.members[i];
    if (m === undefined) return void env.setTimer(o.disarmDelayUs, () => disarm(raisedBy, 0));
    call(m, { op: "defragment" }, (r) => {
      if (r.error !== undefined) return done(false, `defrag ${m} failed: ${r.error}`);
      step(`defragmented ${m}`);
      defrag(i + 1, raisedBy);
    });
  };
  const disarm = (raisedBy: string[], i: number) => {
    const who = raisedBy[i];
    if (who === undefined) {
      step("disarmed");
      return probeWrite();
    }
    call(o.members[ask++ % o.members.length]!, { op: "alarmDisarm", member: who, alarm: "NOSPACE" }, (r) => {
      if (r.error !== undefined) return done(false, `disarm ${who} failed: ${r.error}`);
      disarm(raisedBy, i + 1);
    });
  };
  // The runbook's last step: check that a write goes through again (retried from the next poll).
  let probes = 0;
  const probeWrite = () => {
    kv.put({ key: "/operator/probe", value: `${env.id}-${probes++}` }, (r) =>
      r.ok ? done(true, "a write succeeds again") : done(false, `probe write failed: ${r.error}`),
    );
  };
  return {
    start: () => void env.setTimer(o.pollUs, poll),
    onMessage: (from, m) => void (maint.onMessage(from, m) || kv.onMessage(from, m)),
  };
}

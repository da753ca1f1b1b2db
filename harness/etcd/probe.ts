// The liveness probe after the heal: a client process that writes /probe and reads it back
// linearizably through the cluster, retrying every 100 ms (at most 50 attempts), until the read sees
// its own write. Its operations join the client history like any other.
import { EtcdClient } from "../../core/etcd/client.ts";
import type { SimRun } from "../run/run.ts";

export interface Probe {
  /** The probe's write was read back. */
  readonly done: boolean;
  /** What it last saw (for a liveness failure's message). */
  readonly state: string;
}

export function spawnProbe(run: SimRun, o: { endpoints: readonly string[]; requestTimeoutUs: number }): Probe {
  const probe = { done: false, state: "probe not started" };
  run.world.spawn("probe", (env) => {
    const c = new EtcdClient(env, {
      clientId: 0,
      members: o.endpoints,
      requestTimeoutUs: o.requestTimeoutUs,
      streamTimeoutUs: 1_000_000,
      recorder: run.recorder,
    });
    const tryProbe = (n: number) => {
      if (n > 50) {
        probe.state = "probe gave up after 50 attempts";
        return;
      }
      c.put({ key: "/probe", value: `probe-${n}` }, (r) => {
        if (!r.ok) {
          probe.state = `probe put failed: ${r.error}`;
          env.setTimer(100_000, () => tryProbe(n + 1));
          return;
        }
        c.range({ key: "/probe" }, (rr) => {
          if (rr.ok && rr.value.kvs[0]?.value === `probe-${n}`) probe.done = true;
          else {
            probe.state = `probe read ${rr.ok ? "stale" : rr.error}`;
            env.setTimer(100_000, () => tryProbe(n + 1));
          }
        });
      });
    };
    return { start: () => tryProbe(1), onMessage: (from, msg) => void c.onMessage(from, msg) };
  });
  return probe;
}

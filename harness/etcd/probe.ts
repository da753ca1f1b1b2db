// The liveness probe after the heal: a client process that writes /probe and reads it back
// linearizably through the cluster, retrying every 100 ms (at most 50 attempts), until the read sees
// its own write. With `leaseAndWatch` it then also asks what a healed cluster must still serve and no
// safety check can miss when it does not: a lease granted and kept alive (the keep-alive answered with
// the lease's TTL), and a watch from its write's revision with progress_notify, which must deliver the
// write and then a progress notification at or above it (etcd's periodic notification, every
// --experimental-watch-progress-notify-interval). With lease checkpoints on (`keepAliveAgainAfterUs`), the
// lease is kept alive once more after a checkpoint interval: by then the leader has checkpointed it, and a
// keep-alive of a checkpointed lease must clear that remainder through Raft before it answers, which a
// healed cluster does. Its operations and watch join the history like any other.
import { EtcdClient } from "../../core/etcd/client.ts";
import type { WatchHandle } from "../../core/etcd/kv.ts";
import type { SimRun } from "../run/run.ts";

export interface Probe {
  /** The probe's write was read back (and, with leaseAndWatch, its lease kept alive and its watch served). */
  readonly done: boolean;
  /** What it last saw (for a liveness failure's message). */
  readonly state: string;
}

/** The probe lease's TTL: long past the end of any run, so it is alive whenever the probe asks. */
const PROBE_LEASE_TTL_SEC = 60;
const ATTEMPTS = 50;

export function spawnProbe(
  run: SimRun,
  o: {
    endpoints: readonly string[];
    requestTimeoutUs: number;
    leaseAndWatch?: boolean;
    keepAliveAgainAfterUs?: number;
  },
): Probe {
  const probe = { done: false, state: "probe not started" };
  run.world.spawn("probe", (env) => {
    const c = new EtcdClient(env, {
      clientId: 0,
      members: o.endpoints,
      requestTimeoutUs: o.requestTimeoutUs,
      streamTimeoutUs: 1_000_000,
      recorder: run.recorder,
    });
    /** Step n of ATTEMPTS failed, saying what it saw: step n + 1 runs in 100 ms (and gives up past ATTEMPTS). */
    const retry = (step: (n: number) => void, n: number, state: string) => {
      probe.state = state;
      env.setTimer(100_000, () => step(n + 1));
    };
    const givesUp = (n: number, what: string): boolean => {
      if (n <= ATTEMPTS) return false;
      probe.state = `probe gave up${what} after ${ATTEMPTS} attempts${what === "" ? "" : ` (last: ${probe.state})`}`;
      return true;
    };

    const tryWriteRead = (n: number) => {
      if (givesUp(n, "")) return;
      c.put({ key: "/probe", value: `probe-${n}` }, (r) => {
        if (!r.ok) return retry(tryWriteRead, n, `probe put failed: ${r.error}`);
        const written = r.value.header.revision;
        c.range({ key: "/probe" }, (rr) => {
          if (!(rr.ok && rr.value.kvs[0]?.value === `probe-${n}`))
            return retry(tryWriteRead, n, `probe read ${rr.ok ? "stale" : rr.error}`);
          if (o.leaseAndWatch !== true) probe.done = true;
          else {
            probe.state = "probe lease not granted";
            tryGrant(1);
            watchFrom(written, 1);
          }
        });
      });
    };

    let kept = false;
    let watched = false;
    const finish = () => {
      if (kept && watched) probe.done = true;
    };
    const tryGrant = (n: number) => {
      if (givesUp(n, " on its lease grant")) return;
      c.leaseGrant({ TTL: PROBE_LEASE_TTL_SEC }, (r) => {
        if (!r.ok) return retry(tryGrant, n, `probe lease grant failed: ${r.error}`);
        const id = r.value.ID;
        let rounds = o.keepAliveAgainAfterUs === undefined ? 1 : 2;
        const tryKeepAlive = (m: number) => {
          if (givesUp(m, " on its keep-alive")) return;
          c.leaseKeepAlive({ ID: id }, (k) => {
            if (!k.ok) return retry(tryKeepAlive, m, `probe keep-alive failed: ${k.error}`);
            if (k.value.TTL !== PROBE_LEASE_TTL_SEC)
              return retry(tryKeepAlive, m, `probe keep-alive answered TTL ${k.value.TTL}`);
            if (--rounds > 0) {
              probe.state = "probe lease kept alive, to be kept alive again after a checkpoint";
              env.setTimer(o.keepAliveAgainAfterUs!, () => tryKeepAlive(1));
              return;
            }
            kept = true;
            finish();
          });
        };
        if (!watched) probe.state = "probe keep-alive not answered";
        tryKeepAlive(1);
      });
    };

    /** A watch of /probe from the write's revision: the write, then a progress notification at or above it. */
    const watchFrom = (written: number, n: number) => {
      if (givesUp(n, " on its watch")) return;
      let sawWrite = false;
      let ended = false;
      const h: WatchHandle = c.watch({ key: "/probe", startRevision: written, progressNotify: true }, (r) => {
        if (ended) return;
        if (r.canceled) {
          ended = true;
          // Compacted past the write (a compactor still runs): write again and watch from there; a broken
          // stream (the member went silent): watch again, as clientv3 does.
          if ((r.compactRevision ?? 0) > 0)
            return c.put({ key: "/probe", value: `probe-watch-${n}` }, (p) =>
              p.ok
                ? watchFrom(p.value.header.revision, n + 1)
                : retry((m) => watchFrom(written, m), n, `probe put failed: ${p.error}`),
            );
          return retry((m) => watchFrom(written, m), n, `probe watch cancelled: ${r.cancelReason ?? "?"}`);
        }
        if (r.created) return;
        if (r.events.some((e) => e.kv.modRevision === written)) {
          sawWrite = true;
          probe.state = `probe watch saw its write at ${written}, no progress notification yet`;
        } else if (r.events.length === 0 && sawWrite && r.header.revision >= written) {
          ended = true;
          watched = true;
          h.cancel();
          finish();
        }
      });
    };
    return { start: () => tryWriteRead(1), onMessage: (from, msg) => void c.onMessage(from, msg) };
  });
  return probe;
}

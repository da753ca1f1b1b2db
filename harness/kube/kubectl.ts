// The workload client (a scripted kubectl): performs the workload steps in order, each at its time
// or after the previous one succeeded, retrying until the API accepts it. Retries are idempotent:
// a create that finds the object exists, a scale patch applied twice, an image update that finds the
// image already set, a delete that finds nothing all count as done.
import type { Actor, Env } from "../../core/env.ts";
import type { ApiResult } from "../../core/kube/api.ts";
import { KubeClient, type ClientTiming } from "../../core/kube/client.ts";
import type { KubeRecorder } from "../../core/kube/observations.ts";
import { clone, matchesLabels, type Deployment, type KubeObject } from "../../core/kube/types.ts";
import { describeStep, kindOfResource, type WorkloadStep } from "./workload.ts";
import { latencyLog } from "../../core/metrics/latency.ts";

export interface KubectlConfig {
  apiservers: readonly string[];
  steps: readonly WorkloadStep[];
  recorder?: KubeRecorder;
  retryUs?: number;
  clientTiming?: Partial<ClientTiming>;
}

export interface KubectlProcess extends Actor {
  /** Steps completed (in order). */
  done(): number;
}

export function kubectl(env: Env, cfg: KubectlConfig): KubectlProcess {
  const client = new KubeClient(env, cfg.apiservers, cfg.clientTiming);
  const retryUs = cfg.retryUs ?? 100_000;
  let next = 0;
  let t0 = 0;
  /** When the current step was first tried. */
  let startedAt: number | undefined;
  /** The uid a foreground or orphaning delete of the current step was accepted for (it then waits). */
  let deletionRequested: string | undefined;

  const run = () => {
    const step = cfg.steps[next];
    if (step === undefined) return;
    const wait = t0 + step.at - env.now();
    if (wait > 0) {
      env.setTimer(wait, run);
      return;
    }
    latencyLog()?.step({
      index: next,
      kind: step.kind,
      ...("name" in step ? { namespace: step.namespace, name: step.name } : { namespace: "", name: "" }),
      ...(step.kind === "scale" ? { replicas: step.replicas } : {}),
      ...(step.kind === "image" ? { image: step.image } : {}),
    });
    startedAt ??= env.now();
    perform(step, (ok) => {
      if (!ok) {
        env.setTimer(retryUs, run);
        return;
      }
      cfg.recorder?.action({
        index: next,
        description: describeStep(step),
        ...(startedAt !== undefined ? { startedAt } : {}),
        ...(step.kind === "delete-pods" ? { disruptive: true } : {}),
      });
      startedAt = undefined;
      deletionRequested = undefined;
      next++;
      run();
    });
  };

  function perform(s: WorkloadStep, cb: (ok: boolean) => void): void {
    switch (s.kind) {
      case "apply":
        return applyAll(s.objects, 0, cb);
      case "scale":
        return client.patch("Deployment", s.namespace, s.name, { spec: { replicas: s.replicas } }, (r) => {
          if (!r.ok && r.status.unknown)
            cfg.recorder?.ambiguousScale({ index: next, namespace: s.namespace, name: s.name, replicas: s.replicas });
          cb(r.ok || r.status.reason === "NotFound");
        });
      case "image":
        return client.get("Deployment", s.namespace, s.name, (g) => {
          if (!g.ok) return cb(g.status.reason === "NotFound");
          const d = clone(g.value);
          const cs = d.spec.template.spec.containers;
          const c = s.container === undefined ? cs[0] : cs.find((x) => x.name === s.container);
          if (c === undefined || c.image === s.image) return cb(true);
          c.image = s.image;
          client.update(d, (u) => cb(u.ok)); // a Conflict reads again on the retry
        });
      case "get":
        // A list with no resourceVersion: the most recent state (a quorum read, or a consistent read from a
        // watch cache). Any failure is retried.
        return client.list(
          kindOfResource(s.resource),
          s.namespace === undefined ? {} : { namespace: s.namespace },
          (r) => cb(r.ok),
        );
      case "delete-pods":
        return client.list("Pod", { namespace: s.namespace }, (r) => {
          if (!r.ok) return cb(false);
          const doomed = r.value.items.filter((p) => matchesLabels(p.metadata.labels, s.selector));
          deleteEach(doomed, 0, s.gracePeriodSeconds, cb);
        });
      case "delete":
        // With the uid it read as a precondition: a delete that lands late (an apiserver paused mid-request
        // finishes it when it resumes) cannot take a namesake created after the step. Any failure reads again.
        return client.get("Deployment", s.namespace, s.name, (g) => {
          if (!g.ok) return cb(g.status.reason === "NotFound");
          const uid = g.value.metadata.uid;
          const policy = s.propagationPolicy;
          if (policy === undefined)
            return client.delete("Deployment", s.namespace, s.name, uid ? { uid } : {}, (r) =>
              cb(r.ok || r.status.reason === "NotFound"),
            );
          // kubectl's --wait: a foreground or orphaning delete leaves the Deployment terminating until the
          // garbage collector is done; the step ends when it is gone (read again after each retry).
          if (
            deletionRequested !== undefined &&
            deletionRequested === uid &&
            g.value.metadata.deletionTimestamp !== undefined
          )
            return cb(false);
          client.delete(
            "Deployment",
            s.namespace,
            s.name,
            uid ? { uid } : {},
            (r) => {
              if (r.ok && r.accepted === true) deletionRequested = uid;
              cb((r.ok && r.accepted !== true) || (!r.ok && r.status.reason === "NotFound"));
            },
            undefined,
            policy,
          );
        });
    }
  }

  /** Deletes the pods one by one, each only if it is still that pod (uid); gone or replaced counts as done. */
  function deleteEach(
    pods: readonly KubeObject[],
    i: number,
    grace: number | undefined,
    cb: (ok: boolean) => void,
  ): void {
    const p = pods[i];
    if (p === undefined) return cb(true);
    const uid = p.metadata.uid;
    client.delete(
      "Pod",
      p.metadata.namespace,
      p.metadata.name,
      uid ? { uid } : {},
      (r) => {
        if (!r.ok && r.status.reason !== "NotFound" && r.status.reason !== "Conflict") return cb(false);
        deleteEach(pods, i + 1, grace, cb);
      },
      grace,
    );
  }

  function applyAll(objs: readonly KubeObject[], i: number, cb: (ok: boolean) => void): void {
    const o = objs[i];
    if (o === undefined) return cb(true);
    apply(o, (ok) => (ok ? applyAll(objs, i + 1, cb) : cb(false)));
  }

  /** Create, or replace the spec (data) of the existing object. */
  function apply(o: KubeObject, cb: (ok: boolean) => void): void {
    client.create(o, (r: ApiResult<KubeObject>) => {
      if (r.ok) return cb(true);
      if (r.status.reason !== "AlreadyExists") return cb(false);
      client.get(o.kind, o.metadata.namespace, o.metadata.name, (g) => {
        if (!g.ok) return cb(false);
        const cur = clone(g.value) as KubeObject;
        if (o.kind === "ConfigMap" && cur.kind === "ConfigMap") cur.data = o.data ?? {};
        else if (o.kind === "Deployment" && cur.kind === "Deployment") (cur as Deployment).spec = clone(o.spec);
        else return cb(true);
        client.update(cur, (u) => cb(u.ok));
      });
    });
  }

  return {
    done: () => next,
    start() {
      t0 = env.now();
      run();
    },
    onMessage(from, msg) {
      client.onMessage(from, msg);
    },
  };
}

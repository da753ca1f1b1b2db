// Setting etcd auth up as an operator would with etcdctl (users, roles, grants, then `auth enable`),
// and the grant a Kubernetes control plane runs under: the apiservers' user holds the only role on
// /registry/, so any other client of the members (a direct etcdctl, a compromised node agent) is refused.
import type { Env } from "../../core/env.ts";
import type { AuthRequest } from "../../core/etcd/auth.ts";
import type { EtcdClient } from "../../core/etcd/client.ts";

export const ROOT_CREDENTIALS = { user: "root", password: "root-pw" } as const;
/** The user every apiserver's etcd client authenticates as. */
export const APISERVER_CREDENTIALS = { user: "kube-apiserver", password: "kube-apiserver-pw" } as const;

/** Root, the apiservers' user with readwrite on /registry/ (and nothing else), then auth enable. */
export function registryAuthSetup(): AuthRequest[] {
  return [
    { op: "userAdd", name: ROOT_CREDENTIALS.user, password: ROOT_CREDENTIALS.password },
    { op: "userGrantRole", user: ROOT_CREDENTIALS.user, role: "root" },
    { op: "userAdd", name: APISERVER_CREDENTIALS.user, password: APISERVER_CREDENTIALS.password },
    { op: "roleAdd", name: "kube-registry" },
    {
      op: "roleGrantPermission",
      name: "kube-registry",
      perm: { key: "/registry/", rangeEnd: "/registry0", permType: "READWRITE" },
    },
    // The apiserver's compactor keeps its lock in compact_rev_key, outside /registry/: without this
    // grant every compaction is refused (permission denied) and the store is never compacted.
    { op: "roleGrantPermission", name: "kube-registry", perm: { key: "compact_rev_key", permType: "READWRITE" } },
    { op: "userGrantRole", user: APISERVER_CREDENTIALS.user, role: "kube-registry" },
    { op: "authEnable" },
  ];
}

/**
 * Sends auth requests one after the other through `client` (which should authenticate as root):
 * retried on timeouts and leader changes, logging in again when the token is refused. `done` after the
 * last; `onCall` sees every attempt as it is sent, `onResult` every answer (`unknown`: a timeout, which
 * may have been applied).
 */
export function runAuthRequests(
  env: Env,
  client: EtcdClient,
  steps: readonly AuthRequest[],
  done: () => void,
  hooks: {
    onCall?(req: AuthRequest): void;
    onResult?(req: AuthRequest, result: string, unknown: boolean): void;
  } = {},
): void {
  const send = (i: number, tries: number): void => {
    const req = steps[i];
    if (req === undefined) return done();
    hooks.onCall?.(req);
    client.authRequest(req, (r) => {
      hooks.onResult?.(req, r.ok ? "ok" : r.error, !r.ok && r.unknown);
      if (!r.ok && (r.error === "invalid-auth-token" || r.error === "user-empty") && tries < 20)
        return client.login(() => send(i, tries + 1));
      if (!r.ok && (r.error === "timeout" || r.error === "no-leader" || r.error === "not-leader") && tries < 20)
        return void env.setTimer(50_000, () => send(i, tries + 1));
      send(i + 1, 0);
    });
  };
  send(0, 0);
}

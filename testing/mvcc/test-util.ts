// Test support (not a test): unwrapping store results in tests.
import type { EtcdError } from "../../core/mvcc/rpc.ts";
import { isEtcdError } from "../../core/mvcc/store.ts";

/** The response, or a thrown Error naming the unexpected etcd error. */
export function ok<T>(r: T | EtcdError): T {
  if (isEtcdError(r)) throw new Error(`unexpected etcd error: ${r.error}`);
  return r;
}

/** The error code, or a thrown Error if the request succeeded. */
export function errorOf(r: unknown): string {
  if (!isEtcdError(r)) throw new Error(`expected an etcd error, got ${JSON.stringify(r)}`);
  return r.error;
}

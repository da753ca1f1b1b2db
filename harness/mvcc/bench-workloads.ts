// Workloads for the throughput benchmarks (bench/ measures the time; nothing here reads a clock).
// Each returns a checksum so the work cannot be optimized away, and runs against a fresh store.
import { MvccStore, isEtcdError } from "../../core/mvcc/store.ts";
import type { TxnRequest } from "../../core/mvcc/rpc.ts";

function keyNames(keySpace: number): string[] {
  return Array.from({ length: keySpace }, (_, i) => `/registry/pods/default/pod-${i}`);
}

/** n Puts spread over keySpace keys (so history grows per key). */
export function putWorkload(n: number, keySpace = 1000, store = new MvccStore()): number {
  const keys = keyNames(keySpace);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const r = store.put({ key: keys[i % keySpace] as string, value: "v" });
    if (!isEtcdError(r)) sum += r.header.revision;
  }
  return sum;
}

/** n compare-and-swap Txns (If mod_revision(key) == seen Then Put Else Range), the Kubernetes update shape; all succeed. */
export function casWorkload(n: number, keySpace = 1000, store = new MvccStore()): number {
  const keys = keyNames(keySpace);
  const modRevision = new Array<number>(keySpace).fill(0);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const k = i % keySpace;
    const key = keys[k] as string;
    const txn: TxnRequest = {
      compare: [{ key, target: "MOD", result: "EQUAL", modRevision: modRevision[k] as number }],
      success: [{ requestPut: { key, value: "v" } }],
      failure: [{ requestRange: { key } }],
    };
    const r = store.txn(txn);
    if (isEtcdError(r) || !r.succeeded) throw new Error(`CAS ${i} failed`);
    modRevision[k] = r.header.revision;
    sum += r.header.revision;
  }
  return sum;
}

/** The baseline: n sets on a bare Map over the same keys. */
export function mapWorkload(n: number, keySpace = 1000): number {
  const keys = keyNames(keySpace);
  const m = new Map<string, { value: string; rev: number }>();
  let sum = 0;
  for (let i = 0; i < n; i++) {
    m.set(keys[i % keySpace] as string, { value: "v", rev: i + 2 });
    sum += i + 2;
  }
  return sum;
}

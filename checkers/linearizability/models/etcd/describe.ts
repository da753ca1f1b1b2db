// One-line descriptions of etcd operations for evidence: "put(k, v) → rev 5", "range(k) → rev 5 [k=v@4]".

import type {
  Compare,
  EtcdRequest,
  EtcdResponse,
  KeyValue,
  RangeRequest,
  RequestOp,
  ResponseOp,
} from "../../../../core/mvcc/rpc.ts";
import type { EtcdInput, EtcdOutput } from "./model.ts";

const q = (s: string): string => JSON.stringify(s);

function keys(key: string, rangeEnd: string | undefined): string {
  if (rangeEnd === undefined || rangeEnd === "") return q(key);
  if (rangeEnd === "\0") return `${q(key)}..`;
  return `[${q(key)}, ${q(rangeEnd)})`;
}

function kvText(kv: KeyValue): string {
  return `${kv.key}=${q(kv.value)}@${kv.modRevision}${kv.lease ? ` lease ${kv.lease}` : ""}`;
}

function rangeText(r: RangeRequest): string {
  const opts: string[] = [];
  if (r.revision) opts.push(`rev ${r.revision}`);
  if (r.limit) opts.push(`limit ${r.limit}`);
  if (r.serializable) opts.push("serializable");
  if (r.countOnly) opts.push("count");
  if (r.keysOnly) opts.push("keys");
  return `range(${keys(r.key, r.rangeEnd)}${opts.length ? `, ${opts.join(", ")}` : ""})`;
}

function compareText(c: Compare): string {
  const field = c.target.toLowerCase();
  const value =
    c.target === "VALUE"
      ? q(c.value ?? "")
      : c.target === "VERSION"
        ? c.version
        : c.target === "CREATE"
          ? c.createRevision
          : c.target === "MOD"
            ? c.modRevision
            : c.lease;
  const rel = { EQUAL: "==", NOT_EQUAL: "!=", GREATER: ">", LESS: "<" }[c.result];
  return `${field}(${keys(c.key, c.rangeEnd)}) ${rel} ${value ?? 0}`;
}

function opText(op: RequestOp): string {
  if ("requestRange" in op) return rangeText(op.requestRange);
  if ("requestPut" in op) return `put(${q(op.requestPut.key)}, ${q(op.requestPut.value)})`;
  if ("requestDeleteRange" in op) return `delete(${keys(op.requestDeleteRange.key, op.requestDeleteRange.rangeEnd)})`;
  return requestText({ kind: "txn", txn: op.requestTxn });
}

export function requestText(r: EtcdRequest): string {
  switch (r.kind) {
    case "range":
      return rangeText(r.range);
    case "put":
      return `put(${q(r.put.key)}, ${q(r.put.value)}${r.put.lease ? `, lease ${r.put.lease}` : ""})`;
    case "deleteRange":
      return `delete(${keys(r.deleteRange.key, r.deleteRange.rangeEnd)})`;
    case "txn":
      return `txn(if ${r.txn.compare.map(compareText).join(" && ") || "true"} then [${r.txn.success.map(opText).join(", ")}] else [${r.txn.failure.map(opText).join(", ")}])`;
    case "compact":
      return `compact(${r.compact.revision})`;
    case "leaseGrant":
      return `leaseGrant(ttl ${r.leaseGrant.TTL}${r.leaseGrant.ID ? `, id ${r.leaseGrant.ID}` : ""})`;
    case "leaseRevoke":
      return `leaseRevoke(${r.leaseRevoke.ID})`;
    case "leaseKeepAlive":
      return `keepAlive(${r.leaseKeepAlive.ID})`;
    case "leaseTimeToLive":
      return `timeToLive(${r.leaseTimeToLive.ID}${r.leaseTimeToLive.keys === true ? ", keys" : ""})`;
  }
}

function responseOpText(r: ResponseOp): string {
  if ("responseRange" in r) return `[${r.responseRange.kvs.map(kvText).join(", ")}]`;
  if ("responsePut" in r) return "ok";
  if ("responseDeleteRange" in r) return `deleted ${r.responseDeleteRange.deleted}`;
  return responseText({ kind: "txn", txn: r.responseTxn });
}

export function responseText(r: EtcdResponse): string {
  switch (r.kind) {
    case "range":
      return `rev ${r.range.header.revision} [${r.range.kvs.map(kvText).join(", ")}]${r.range.more ? " more" : ""} count ${r.range.count}`;
    case "put":
      return `rev ${r.put.header.revision}${r.put.prevKv ? ` prev ${kvText(r.put.prevKv)}` : ""}`;
    case "deleteRange":
      return `rev ${r.deleteRange.header.revision} deleted ${r.deleteRange.deleted}`;
    case "txn":
      return `rev ${r.txn.header.revision} ${r.txn.succeeded ? "then" : "else"} [${r.txn.responses.map(responseOpText).join(", ")}]`;
    case "compact":
      return `rev ${r.compact.header.revision}`;
    case "leaseGrant":
      return `id ${r.leaseGrant.ID}`;
    case "leaseRevoke":
      return `rev ${r.leaseRevoke.header.revision}`;
    case "leaseKeepAlive":
      return `ttl ${r.leaseKeepAlive.TTL}`;
    case "leaseTimeToLive":
      return `ttl ${r.leaseTimeToLive.TTL} of ${r.leaseTimeToLive.grantedTTL}`;
  }
}

export function describeEtcdOperation(input: EtcdInput, output: EtcdOutput): string {
  if (input.kind === "expire") return `lease ${input.lease} expires (may happen any time, or never)`;
  const req = requestText(input.request);
  if (output.unknown) return `${req} → ? (unknown outcome)`;
  if (output.error !== null) return `${req} → error ${output.error}`;
  return `${req} → ${responseText(output.response!)}`;
}

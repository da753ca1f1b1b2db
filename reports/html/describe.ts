// One-line descriptions of etcd requests and responses for bar labels, tooltips and evidence lists:
// "put a=1 → rev 5", "get a@3 → [a=1 m3] rev 7", "txn if mod(a)=3 then put a=2 else get a → failed".
import type {
  EtcdErrorCode,
  EtcdRequest,
  EtcdResponse,
  KeyValue,
  RequestOp,
  ResponseOp,
  Compare,
} from "../../core/mvcc/rpc.ts";
import { clip } from "./esc.ts";

const PRINTABLE = /^[\x20-\x7e]*$/;

export function showKey(k: string): string {
  return clip(PRINTABLE.test(k) ? k : JSON.stringify(k), 40);
}

function showValue(v: string): string {
  return clip(PRINTABLE.test(v) ? v : JSON.stringify(v), 24);
}

/** The next key after every key with this prefix (etcd's GetPrefixRangeEnd). */
function prefixEnd(key: string): string | undefined {
  for (let i = key.length - 1; i >= 0; i--) {
    const c = key.charCodeAt(i);
    if (c < 0xffff) return key.slice(0, i) + String.fromCharCode(c + 1);
  }
  return undefined;
}

export function showRange(key: string, rangeEnd: string | undefined): string {
  if (rangeEnd === undefined || rangeEnd === "") return showKey(key);
  if (rangeEnd === "\0") return key === "" || key === "\0" ? "*" : `${showKey(key)}…`;
  if (rangeEnd === prefixEnd(key)) return `${showKey(key)}*`;
  return `[${showKey(key)}, ${showKey(rangeEnd)})`;
}

function compareText(c: Compare): string {
  const op = { EQUAL: "=", NOT_EQUAL: "≠", GREATER: ">", LESS: "<" }[c.result];
  const target = c.target.toLowerCase();
  const value =
    c.target === "VERSION"
      ? c.version
      : c.target === "CREATE"
        ? c.createRevision
        : c.target === "MOD"
          ? c.modRevision
          : c.target === "LEASE"
            ? c.lease
            : JSON.stringify(showValue(c.value ?? ""));
  return `${target}(${showRange(c.key, c.rangeEnd)})${op}${value ?? 0}`;
}

function requestOpText(op: RequestOp): string {
  if ("requestRange" in op) return `get ${showRange(op.requestRange.key, op.requestRange.rangeEnd)}`;
  if ("requestPut" in op) return `put ${showKey(op.requestPut.key)}=${showValue(op.requestPut.value)}`;
  if ("requestDeleteRange" in op)
    return `delete ${showRange(op.requestDeleteRange.key, op.requestDeleteRange.rangeEnd)}`;
  return `txn(${op.requestTxn.compare.length} cmp)`;
}

function opsText(ops: readonly RequestOp[]): string {
  if (ops.length === 0) return "∅";
  const shown = ops.slice(0, 3).map(requestOpText).join("; ");
  return ops.length > 3 ? `${shown}; +${ops.length - 3}` : shown;
}

export function describeRequest(req: EtcdRequest): string {
  switch (req.kind) {
    case "range": {
      const r = req.range;
      const rev = r.revision !== undefined && r.revision > 0 ? `@${r.revision}` : "";
      const flags = [
        r.serializable ? "serializable" : "",
        r.countOnly ? "count" : "",
        r.keysOnly ? "keys" : "",
        r.limit ? `limit ${r.limit}` : "",
      ].filter(Boolean);
      return `get ${showRange(r.key, r.rangeEnd)}${rev}${flags.length ? ` (${flags.join(", ")})` : ""}`;
    }
    case "put":
      return `put ${showKey(req.put.key)}=${showValue(req.put.value)}${req.put.lease ? ` lease ${req.put.lease}` : ""}`;
    case "deleteRange":
      return `delete ${showRange(req.deleteRange.key, req.deleteRange.rangeEnd)}`;
    case "txn": {
      const t = req.txn;
      const cmp = t.compare.length ? t.compare.map(compareText).join(" ∧ ") : "true";
      return `txn if ${cmp} then ${opsText(t.success)}${t.failure.length ? ` else ${opsText(t.failure)}` : ""}`;
    }
    case "compact":
      return `compact @${req.compact.revision}`;
    case "leaseGrant":
      return `lease grant ttl ${req.leaseGrant.TTL}${req.leaseGrant.ID ? ` id ${req.leaseGrant.ID}` : ""}`;
    case "leaseRevoke":
      return `lease revoke ${req.leaseRevoke.ID}`;
    case "leaseKeepAlive":
      return `lease keepalive ${req.leaseKeepAlive.ID}`;
    case "leaseTimeToLive":
      return `lease timetolive ${req.leaseTimeToLive.ID}${req.leaseTimeToLive.keys === true ? " --keys" : ""}`;
  }
}

function kvsText(kvs: readonly KeyValue[]): string {
  const shown = kvs
    .slice(0, 3)
    .map((kv) => `${showKey(kv.key)}=${showValue(kv.value)} m${kv.modRevision}`)
    .join(", ");
  return `[${shown}${kvs.length > 3 ? `, +${kvs.length - 3}` : ""}]`;
}

function responseOpText(r: ResponseOp): string {
  if ("responseRange" in r) return kvsText(r.responseRange.kvs);
  if ("responsePut" in r) return "ok";
  if ("responseDeleteRange" in r) return `deleted ${r.responseDeleteRange.deleted}`;
  return r.responseTxn.succeeded ? "succeeded" : "failed";
}

/** The response side: "rev 5", an error name, or "?" for an unknown outcome. */
export function describeResponse(
  resp: EtcdResponse | null,
  error: EtcdErrorCode | undefined,
  unknown: boolean,
): string {
  if (resp === null) return unknown ? `? ${error ?? "unknown outcome"}` : `✗ ${error ?? "failed"}`;
  switch (resp.kind) {
    case "range": {
      const r = resp.range;
      return `${r.kvs.length === 0 && r.count > 0 ? `count ${r.count}` : kvsText(r.kvs)}${r.more ? " more" : ""} rev ${r.header.revision}`;
    }
    case "put":
      return `rev ${resp.put.header.revision}`;
    case "deleteRange":
      return `deleted ${resp.deleteRange.deleted} rev ${resp.deleteRange.header.revision}`;
    case "txn": {
      const t = resp.txn;
      const inner = t.responses.slice(0, 2).map(responseOpText).join("; ");
      return `${t.succeeded ? "succeeded" : "failed"}${inner ? ` (${inner})` : ""} rev ${t.header.revision}`;
    }
    case "compact":
      return `rev ${resp.compact.header.revision}`;
    case "leaseGrant":
      return `id ${resp.leaseGrant.ID} ttl ${resp.leaseGrant.TTL}`;
    case "leaseRevoke":
      return `rev ${resp.leaseRevoke.header.revision}`;
    case "leaseKeepAlive":
      return `ttl ${resp.leaseKeepAlive.TTL}`;
    case "leaseTimeToLive":
      return `ttl ${resp.leaseTimeToLive.TTL} of ${resp.leaseTimeToLive.grantedTTL}`;
  }
}

// Reads no order of the history can explain, found without a search. Every revision is made by one
// write, and a known write's response names the revision it made; a linearizable read shows the store
// at its header revision. So a read that shows a key with modRevision m at header h is impossible if
// m > h, if a known write made revision m without writing that key (or, a plain put, wrote another
// value), or if a known write certainly wrote the key at a revision r with m < r <= h (a key's modRevision never
// goes back: after r it is r or later, or the key is gone). Each holds whatever the unknown outcomes
// did, so one such read refutes the history. The search finds the same, but a long history's search
// may run out of steps first.
import type {
  EtcdRequest,
  EtcdResponse,
  KeyValue,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseOp,
} from "../../../../core/mvcc/rpc.ts";
import { responseHeader } from "../../../../core/mvcc/rpc.ts";
import { keySpan, spansOverlap, writeSpansOf } from "./key-spans.ts";
import type { EtcdOperationTable } from "./operation-table.ts";
import { createsRevision } from "./prepare.ts";

/** A read and what makes it impossible. */
export interface Contradiction {
  /** The read's index in the table. */
  read: number;
  /** The known write it contradicts, if one (its index in the table). */
  write?: number;
  /** Why no order explains the read, in a sentence. */
  reason: string;
}

/** A known response with no error: what it shows happened. */
function knownResponse(
  table: EtcdOperationTable,
  i: number,
): { req: EtcdRequest; resp: EtcdResponse; serializable: boolean } | undefined {
  const { input, output } = table.at(i);
  if (input.kind !== "request" || output.unknown || output.error !== null || output.response === null) return undefined;
  return { req: input.request, resp: output.response, serializable: input.serializable };
}

/**
 * The keys a known write certainly wrote (its revision is then the key's modRevision, or the key is
 * gone): a put's, a one-key delete's that deleted it, and those of the branch a Txn took (nested ones
 * by their responses).
 */
function definiteWrites(req: EtcdRequest, resp: EtcdResponse): string[] {
  const keys: string[] = [];
  const fromBranch = (ops: readonly RequestOp[], responses: readonly ResponseOp[]): void => {
    ops.forEach((op, j) => {
      const r = responses[j];
      if ("requestPut" in op) keys.push(op.requestPut.key);
      else if ("requestDeleteRange" in op) {
        const d = op.requestDeleteRange;
        if (!d.rangeEnd && r !== undefined && "responseDeleteRange" in r && r.responseDeleteRange.deleted > 0)
          keys.push(d.key);
      } else if ("requestTxn" in op && r !== undefined && "responseTxn" in r) {
        const t = r.responseTxn;
        fromBranch(t.succeeded ? op.requestTxn.success : op.requestTxn.failure, t.responses);
      }
    });
  };
  if (req.kind === "put") keys.push(req.put.key);
  else if (req.kind === "deleteRange" && resp.kind === "deleteRange") {
    if (!req.deleteRange.rangeEnd && resp.deleteRange.deleted > 0) keys.push(req.deleteRange.key);
  } else if (req.kind === "txn" && resp.kind === "txn")
    fromBranch(resp.txn.succeeded ? req.txn.success : req.txn.failure, resp.txn.responses);
  return keys;
}

/** The first read (in table order) that no order of the history can explain, if there is one. */
export function refuteByRevisions(table: EtcdOperationTable): Contradiction | undefined {
  const creators = new Map<number, number>();
  const puts = new Map<string, number[]>();
  for (let i = 0; i < table.length; i++) {
    const known = knownResponse(table, i);
    if (known === undefined || !createsRevision(known.req, known.resp)) continue;
    const r = responseHeader(known.resp).revision;
    creators.set(r, i);
    for (const key of definiteWrites(known.req, known.resp)) {
      const list = puts.get(key);
      if (list) list.push(r);
      else puts.set(key, [r]);
    }
  }
  for (const list of puts.values()) list.sort((a, b) => a - b);
  for (let i = 0; i < table.length; i++) {
    const known = knownResponse(table, i);
    // A serializable read may show an older store.
    if (known === undefined || known.serializable) continue;
    const h = responseHeader(known.resp).revision;
    for (const [range, shown] of readsOf(known.req, known.resp)) {
      // A read at a revision shows that one.
      if ((range.revision ?? 0) > 0 || range.serializable) continue;
      for (const kv of shown.kvs) {
        const c = contradiction(table, i, kv, h, range.keysOnly === true, creators, puts);
        if (c !== undefined) return c;
      }
    }
  }
  return undefined;
}

/**
 * The reads of the store at a request's header revision, with what they showed: a Range's, and those a
 * Txn that wrote nothing ran in the branch it took (a Txn that wrote reads its own writes; nested ones
 * are left out).
 */
function readsOf(req: EtcdRequest, resp: EtcdResponse): [RangeRequest, RangeResponse][] {
  if (req.kind === "range" && resp.kind === "range") return [[req.range, resp.range]];
  if (req.kind !== "txn" || resp.kind !== "txn" || createsRevision(req, resp)) return [];
  const ops = resp.txn.succeeded ? req.txn.success : req.txn.failure;
  const reads: [RangeRequest, RangeResponse][] = [];
  ops.forEach((op, j) => {
    const r = resp.txn.responses[j];
    if ("requestRange" in op && r !== undefined && "responseRange" in r) reads.push([op.requestRange, r.responseRange]);
  });
  return reads;
}

function contradiction(
  table: EtcdOperationTable,
  read: number,
  kv: KeyValue,
  h: number,
  keysOnly: boolean,
  creators: ReadonlyMap<number, number>,
  puts: ReadonlyMap<string, number[]>,
): Contradiction | undefined {
  const key = JSON.stringify(kv.key);
  const m = kv.modRevision;
  if (m > h) return { read, reason: `it shows ${key} modified at revision ${m}, after its own revision ${h}` };
  const c = creators.get(m);
  if (c !== undefined) {
    const { req } = knownResponse(table, c)!;
    const wrote = writeSpansOf(req);
    if (wrote !== undefined && !spansOverlap(wrote, [keySpan(kv.key)]))
      return { read, write: c, reason: `it shows ${key} modified at revision ${m}, which a write of other keys made` };
    if (!keysOnly && req.kind === "put" && req.put.key === kv.key && !req.put.ignoreValue && req.put.value !== kv.value)
      return {
        read,
        write: c,
        reason: `it shows ${key} = ${JSON.stringify(kv.value)} at revision ${m}, where a put wrote ${JSON.stringify(req.put.value)}`,
      };
  }
  const list = puts.get(kv.key);
  if (list === undefined) return undefined;
  // The first known put of the key after revision m.
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! <= m) lo = mid + 1;
    else hi = mid;
  }
  const r = list[lo];
  if (r === undefined || r > h) return undefined;
  return {
    read,
    write: creators.get(r)!,
    reason: `it shows ${key} as of revision ${m}, but ${key} was written at revision ${r}, before the read's revision ${h}`,
  };
}

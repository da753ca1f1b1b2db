// The etcd KV model as a linearizability model: state = an MVCC snapshot (revision, compact
// revision, keys with createRevision / modRevision / version / lease, leases).
//
// - A known response must equal what the model answers, header revision included: that pins every
//   write to one revision and every linearizable read to one revision window, which prunes the search.
// - A definite error (compacted, future revision, unknown lease...) is a read-only step that must
//   be the model's answer too.
// - An unknown outcome applies the request wherever it is linearized; "never happened" is the same
//   as "linearized at the end". It cannot create a revision a known write created, nor one whose
//   contents responses showed otherwise (claimedRevisions, revisionContents): unknown writes only
//   fill the gaps between known revisions, with what was seen there.
// - A serializable read may be stale: its header revision h must not exceed the current revision,
//   and its result must be the store as of h.
// - A lease may expire at any time after it exists. An expiry that deletes keys is an `expire`
//   operation with unknown outcome (it takes a revision); one that deletes nothing is noticed
//   lazily by the first operation that finds the lease gone, which keeps the search from trying
//   every subset of silent expiries.
// The model does not partition: the revision couples all keys.

import type { EtcdErrorCode, EtcdRequest, EtcdResponse, RequestOp } from "../../../../core/mvcc/rpc.ts";
import { responseHeader } from "../../../../core/mvcc/rpc.ts";
import type { Model, Operation } from "../../types.ts";
import { applyRequest, evalRange, isReadOnlyTxn, revokeLease, type ApplyContext } from "./apply.ts";
import { rangeMatches, responseMatches } from "./match.ts";
import { atRevision, describeState, initialState, statesEqual, type EtcdState } from "./state.ts";
import { describeEtcdOperation } from "./describe.ts";
import type { EtcdLimits } from "./limits.ts";
import type { RevisionLookup } from "./revision-set.ts";

export type EtcdInput =
  | {
      kind: "request";
      /** EtcdOperation.id in the recorded history. */
      id: number;
      request: EtcdRequest;
      /** A Range (or read-only Txn) that skipped ReadIndex: may read a stale revision. */
      serializable: boolean;
      /** Never changes the state (a Range, a read-only Txn, a keep-alive). */
      readOnly: boolean;
    }
  | { kind: "expire"; lease: number };

export interface EtcdOutput {
  unknown: boolean;
  response: EtcdResponse | null;
  error: EtcdErrorCode | null;
}

export type EtcdModelOperation = Operation<EtcdInput, EtcdOutput>;
export type { EtcdState };

export interface EtcdModelConfig {
  /** Keep each state's history: needed when the history reads at old revisions or serializably. */
  keepHistory: boolean;
  /** Revisions serializable reads showed or read at: kept below compaction (a lagging member serves them). */
  servedRevisions?: RevisionLookup;
  /** The cluster's --max-txn-ops and --max-request-bytes, when known: refusals by them are judged. */
  limits?: EtcdLimits;
  /** Leases granted with a known ID; the existence of others is not modelled (either answer is accepted). */
  trackedLeases: ReadonlySet<number>;
  /**
   * Revisions that known successful writes created (their header revision). No other write can
   * create them, so an unknown write or a lease expiry that would is a dead end right away.
   */
  claimedRevisions: RevisionLookup;
  /**
   * What known responses showed of each revision: a pair with modRevision m proves the write that
   * created m set that key to that value (value undefined: keys-only, the value was not shown).
   * Only read for revisions not in claimedRevisions (prepareEtcdHistory keeps only those).
   */
  revisionContents: ReadonlyMap<number, readonly { key: string; value: string | undefined }[]>;
}

export function etcdModel(config: EtcdModelConfig): Model<EtcdState, EtcdInput, EtcdOutput> {
  const ctx: ApplyContext = {
    keepHistory: config.keepHistory,
    servedRevisions: config.servedRevisions,
    limits: config.limits,
    isTracked: (id) => config.trackedLeases.has(id),
  };
  /**
   * A step of an unknown outcome that creates a revision a known write created, or that does not
   * write what responses showed of that revision: impossible on any linearization.
   */
  const claimed = (from: EtcdState, to: EtcdState): boolean => {
    if (to.revision === from.revision) return false;
    if (config.claimedRevisions.has(to.revision)) return true;
    const seen = config.revisionContents.get(to.revision);
    if (!seen) return false;
    for (const { key, value } of seen) {
      const kv = to.kvs.get(key);
      if (!kv || kv.modRevision !== to.revision || (value !== undefined && kv.value !== value)) return true;
    }
    return false;
  };

  const serializableRead = (state: EtcdState, request: EtcdRequest, output: EtcdOutput): boolean => {
    if (output.error !== null) return true; // a lagging member's own compaction or revision: not judged
    const resp = output.response!;
    if (request.kind !== "range" || resp.kind !== "range") return false;
    const h = resp.range.header.revision;
    if (h > state.revision) return false;
    const at = atRevision(state, h);
    if (!at) return true; // history not kept: cannot judge content
    const rev = request.range.revision ?? 0;
    const src = rev > 0 && rev < h ? atRevision(state, rev) : at;
    if (!src) return true;
    return rangeMatches(request.range, evalRange(src.kvs, request.range, h), resp.range);
  };

  const model: Model<EtcdState, EtcdInput, EtcdOutput> = {
    init: initialState,
    step(state, input, output) {
      if (input.kind === "expire") {
        // Only an expiry that deletes keys is an event here; one that deletes nothing is noticed
        // lazily, by the first operation that finds the lease gone (below).
        if (!hasKeys(state, input.lease)) return [true, state];
        if (config.claimedRevisions.has(state.revision + 1)) return [false, state]; // it would take a claimed revision
        const next = revokeLease(state, input.lease, ctx);
        return [!claimed(state, next), next];
      }
      if (output.unknown) {
        // Like a silent expiry: revoking a lease that holds no keys is noticed lazily, if ever.
        if (input.request.kind === "leaseRevoke" && !hasKeys(state, input.request.leaseRevoke.ID)) return [true, state];
        // A Put always takes the next revision: if a known write took it, no need to build the state.
        if (input.request.kind === "put" && config.claimedRevisions.has(state.revision + 1)) return [false, state];
        const next = applyRequest(state, input.request, ctx).state;
        return [!claimed(state, next), next];
      }
      if (input.serializable) return [serializableRead(state, input.request, output), state];
      if (output.error === "lease-not-found") {
        // A lease it names may have expired unnoticed: if it holds no keys, it is gone from here on. (A Txn
        // may name several, in puts of either branch: the one that expired is the one that explains it.)
        for (const lease of leasesOf(input.request)) {
          if (!ctx.isTracked(lease) || !state.leases.has(lease) || hasKeys(state, lease)) continue;
          const expired = revokeLease(state, lease, ctx);
          const outcome = applyRequest(expired, input.request, ctx, null, "lease-not-found");
          if (!outcome.ok && outcome.error === "lease-not-found") return [true, expired];
        }
      }
      const outcome = applyRequest(state, input.request, ctx, output.response, output.error ?? undefined);
      if (output.error !== null) return [!outcome.ok && outcome.error === output.error, state];
      if (!outcome.ok) return [false, state];
      return [responseMatches(input.request, outcome.response, output.response!), outcome.state];
    },
    // A definite error changes nothing, except "lease not found", which may notice an expiry.
    readOnly: (input, output) =>
      input.kind === "request" &&
      !output.unknown &&
      output.error !== "lease-not-found" &&
      (output.error !== null || input.readOnly),
    mayBecomeLegal(state, op, _others, _count) {
      const { input, output } = op;
      if (input.kind === "expire" || output.unknown || output.response === null) return true;
      if (input.serializable) {
        // Once the store passed h, what a read at h sees is fixed.
        const h = headerRevision(output.response);
        return h === undefined || h > state.revision || model.step(state, input, output)[0];
      }
      const h = headerRevision(output.response);
      if (h === undefined) return true;
      // Revisions never go back, and a response's header revision is the store's revision right
      // after it: once the store is past h, the operation can never be placed.
      if (state.revision > h) return false;
      if (input.request.kind === "put" && state.revision >= h) return false; // a Put always takes a new revision
      // A read at its own revision sees a fixed store: legal now or never.
      if (input.readOnly && state.revision === h) return model.step(state, input, output)[0];
      return true;
    },
    equal: statesEqual,
    hash: (s) => s.hash,
    describeOperation: describeEtcdOperation,
    describeState,
  };
  return model;
}

function hasKeys(state: EtcdState, lease: number): boolean {
  for (const kv of state.kvs.values()) if (kv.lease === lease) return true;
  return false;
}

/** The one lease a request names (a Put's, a revoke's, a keep-alive's; a Txn's when its puts name just one). */
export function leaseOf(r: EtcdRequest): number | undefined {
  if (r.kind === "put") return r.put.lease || undefined;
  if (r.kind === "leaseRevoke") return r.leaseRevoke.ID;
  if (r.kind === "leaseKeepAlive") return r.leaseKeepAlive.ID;
  if (r.kind === "txn") {
    const all = leasesOf(r);
    return all.length === 1 ? all[0] : undefined;
  }
  return undefined;
}

/** Every lease a request names: a Txn's are those of the puts in both its branches, nested Txns included. */
export function leasesOf(r: EtcdRequest): number[] {
  if (r.kind !== "txn") {
    const lease = leaseOf(r);
    return lease === undefined ? [] : [lease];
  }
  const out = new Set<number>();
  const walk = (ops: readonly RequestOp[]) => {
    for (const op of ops) {
      if ("requestPut" in op) {
        if ((op.requestPut.lease ?? 0) !== 0 && op.requestPut.ignoreLease !== true) out.add(op.requestPut.lease!);
      } else if ("requestTxn" in op) {
        walk(op.requestTxn.success);
        walk(op.requestTxn.failure);
      }
    }
  };
  walk(r.txn.success);
  walk(r.txn.failure);
  return [...out];
}

/** Whether a request never changes the store. */
export function isReadOnlyRequest(request: EtcdRequest): boolean {
  return (
    request.kind === "range" ||
    request.kind === "leaseKeepAlive" ||
    (request.kind === "txn" && isReadOnlyTxn(request.txn))
  );
}

/** The header revision a known response carries, if the model compares it (lease grants and keep-alives: no). */
function headerRevision(r: EtcdResponse): number | undefined {
  return r.kind === "leaseGrant" || r.kind === "leaseKeepAlive" ? undefined : responseHeader(r).revision;
}

// The store against a reference. Every committed entry, as the first member to apply it applied it, is
// replayed on the linearizability checker's own model of etcd's key-value store and lessor
// (checkers/linearizability/models/etcd), and the revisions the member's store made must be the model's,
// key by key, as must the number of leases its lessor holds. Clients see a store's bug only where they
// read: a revoke that leaves one of its lease's keys alive shows only if someone reads that key before it
// changes again, a wrong create revision only if a Txn compares it, a revoked lease that lives on only if
// someone uses it. The reference sees every revision. Fed online, from the run's commits (the first
// member to reach each revision) and applies (the first apply of each index); FoundationDB's simulation
// checks its storage servers against a model the same way.
import type { Change } from "../../core/mvcc/key-history.ts";
import type { EtcdRequest, EtcdResponse, KeyValue } from "../../core/mvcc/rpc.ts";
import { type ApplyContext, applyRequest, revokeLease } from "../linearizability/models/etcd/apply.ts";
import { type EtcdState, initialState, kvTerm } from "../linearizability/models/etcd/state.ts";
import type { CheckOf } from "../types.ts";

export interface StoreReferenceOptions {
  /** --max-txn-ops as the members apply it (unset: the model refuses no Txn for its length). */
  maxTxnOps?: number;
  /**
   * Whether a member may refuse a committed write at apply (auth on: a request checked at an older auth
   * revision; the space quota's capped applier). Then a write the store left unchanged is taken as
   * refused and not replayed, and leases are not tracked (a refused grant is invisible).
   */
  refusalsPossible?: boolean;
}

/** What the reference reads of an applied entry (harness/run/observers.ts AppliedEntry). */
export interface ReferenceApply {
  index: number;
  payload: unknown;
  /** The member's store revision after the entry. */
  revision: number;
  /** The lease ID the member chose for a LeaseGrant that named none, else 0. */
  grantedLease: number;
  /** How many leases the member's lessor holds after it (absent: not compared). */
  leases?: number;
}

/** The differences shown in a failure message at most. */
const SHOWN_KEYS = 3;

export class StoreReference {
  private state: EtcdState = initialState();
  private readonly ctx: ApplyContext;
  private readonly refusalsPossible: boolean;
  /** Whether the model knows every lease (no grant may have been refused unseen), so lessors are compared. */
  private readonly leasesTracked: boolean;
  private lastIndex = 0;
  /** Revisions committed since the last first apply (the entry being applied made them). */
  private pendingRevisions = 0;
  /** The store as its commits left it: the live pairs, and their hash summed as the model sums its own. */
  private readonly mirror = new Map<string, KeyValue>();
  /** kvTerm of each pair in the mirror (a Kubernetes object's value is 1–2 KB: hashed once, not again when replaced). */
  private readonly mirrorTerms = new Map<string, number>();
  private mirrorHash = 0;
  /** The first divergence; the reference stops there (the model cannot follow a store it disagrees with). */
  private violation: string | undefined;
  entries = 0;
  revisions = 0;
  keyChanges = 0;
  /** Writes taken as refused at apply (refusalsPossible only). */
  refused = 0;

  constructor(opts: StoreReferenceOptions = {}) {
    this.refusalsPossible = opts.refusalsPossible === true;
    const tracked = !this.refusalsPossible;
    this.leasesTracked = tracked;
    this.ctx = {
      keepHistory: false,
      limits: opts.maxTxnOps !== undefined ? { maxTxnOps: opts.maxTxnOps } : {},
      isTracked: () => tracked,
    };
  }

  /** A revision committed by the first member to reach it. */
  onCommit(revision: number, keys: readonly string[], changes: readonly Change[]): void {
    if (this.violation !== undefined) return;
    this.pendingRevisions++;
    this.revisions++;
    for (let i = 0; i < changes.length; i++) {
      const key = keys[i]!;
      const c = changes[i]!;
      const oldTerm = this.mirrorTerms.get(key);
      if (oldTerm !== undefined) this.mirrorHash = (this.mirrorHash - oldTerm) | 0;
      this.keyChanges++;
      if (c.version === 0) {
        this.mirror.delete(key);
        this.mirrorTerms.delete(key);
        continue;
      }
      const kv: KeyValue = {
        key,
        createRevision: c.createRevision,
        modRevision: revision,
        version: c.version,
        value: c.value,
        lease: c.lease,
      };
      const term = kvTerm(kv);
      this.mirror.set(key, kv);
      this.mirrorTerms.set(key, term);
      this.mirrorHash = (this.mirrorHash + term) | 0;
    }
  }

  /** Every member's apply of every entry: only the first apply of each index is replayed. */
  onApply(e: ReferenceApply): void {
    if (this.violation !== undefined || e.index <= this.lastIndex) return;
    if (e.index !== this.lastIndex + 1) {
      this.violation = `index ${e.index} was applied before index ${this.lastIndex + 1} was applied anywhere`;
      return;
    }
    this.lastIndex = e.index;
    this.entries++;
    const before = this.state;
    const storeUnchanged = this.pendingRevisions === 0 && e.revision === before.revision;
    this.pendingRevisions = 0;
    const request = kvRequestOf(e.payload);
    let next = before;
    if (request !== undefined) next = this.replay(before, request, e.grantedLease);
    else if (isLeaseExpiry(e.payload))
      for (const id of e.payload.ids) if (next.leases.has(id)) next = revokeLease(next, id, this.ctx);
    if (this.refusalsPossible && request !== undefined && storeUnchanged && next.revision !== before.revision) {
      this.refused++;
      return;
    }
    this.state = next;
    const leasesAlike = !this.leasesTracked || e.leases === undefined || e.leases === next.leases.size;
    if (next.revision === e.revision && next.kvHash === this.mirrorHash && leasesAlike) return;
    this.violation = this.describe(e, next);
  }

  private replay(state: EtcdState, request: EtcdRequest, grantedLease: number): EtcdState {
    switch (request.kind) {
      // Reads and keep-alives change no key (and a LeaseTimeToLive is not the model's to step).
      case "range":
      case "leaseKeepAlive":
      case "leaseTimeToLive":
        return state;
      default: {
        const observed: EtcdResponse | undefined =
          request.kind === "leaseGrant" && grantedLease !== 0
            ? {
                kind: "leaseGrant",
                leaseGrant: { header: { revision: state.revision, raftTerm: 0 }, ID: grantedLease, TTL: 0 },
              }
            : undefined;
        const out = applyRequest(state, request, this.ctx, observed);
        return out.ok ? out.state : state;
      }
    }
  }

  private describe(e: ReferenceApply, model: EtcdState): string {
    const what = `index ${e.index} (${describePayload(e.payload)})`;
    const revisions =
      model.revision !== e.revision
        ? `the store is at revision ${e.revision} after it, the reference at ${model.revision}`
        : `revision ${e.revision}`;
    const shown: string[] = [];
    const keys = new Set([...this.mirror.keys(), ...model.kvs.keys()]);
    for (const k of [...keys].sort()) {
      const s = this.mirror.get(k);
      const m = model.kvs.get(k);
      if (s !== undefined && m !== undefined && kvTerm(s) === kvTerm(m)) continue;
      shown.push(`${k}: store ${showKv(s)}, reference ${showKv(m)}`);
      if (shown.length === SHOWN_KEYS) break;
    }
    const leases =
      this.leasesTracked && e.leases !== undefined && e.leases !== model.leases.size
        ? `; the store's lessor holds ${e.leases} leases, the reference's ${model.leases.size} (${[...model.leases].sort((a, b) => a - b).join(", ") || "none"})`
        : "";
    const differing = shown.length > 0 ? `: ${shown.join("; ")}` : leases === "" ? ", every key alike" : "";
    return `${what}: ${revisions}${differing}${leases}`;
  }

  result(): CheckOf<"store-reference"> {
    if (this.violation !== undefined)
      return {
        name: "store-reference",
        verdict: "fail",
        message: this.violation,
        evidence: { violations: [this.violation] },
      };
    const refused = this.refused > 0 ? `, ${this.refused} writes refused at apply` : "";
    return {
      name: "store-reference",
      verdict: "pass",
      message: `${this.entries} entries replayed on the reference store: ${this.revisions} revisions, ${this.keyChanges} key changes, each as the reference made it${refused}`,
    };
  }
}

/** The KV request a member's Raft entry carries (undefined: another kind of entry). */
export function kvRequestOf(payload: unknown): EtcdRequest | undefined {
  if (payload === null || typeof payload !== "object") return undefined;
  const p = payload as { op?: unknown; request?: EtcdRequest };
  return p.op === "kv" ? p.request : undefined;
}

function isLeaseExpiry(payload: unknown): payload is { op: "leaseExpire"; ids: readonly number[] } {
  return payload !== null && typeof payload === "object" && (payload as { op?: unknown }).op === "leaseExpire";
}

function describePayload(payload: unknown): string {
  const request = kvRequestOf(payload);
  if (request !== undefined) return `${request.kind} ${JSON.stringify(Object.values(request)[1])}`.slice(0, 300);
  if (isLeaseExpiry(payload)) return `lease expiry of ${payload.ids.join(", ")}`;
  return "no key-value change";
}

function showKv(kv: KeyValue | undefined): string {
  if (kv === undefined) return "absent";
  const lease = kv.lease !== 0 ? ` lease ${kv.lease}` : "";
  return `${JSON.stringify(kv.value).slice(0, 60)} create ${kv.createRevision} mod ${kv.modRevision} version ${kv.version}${lease}`;
}

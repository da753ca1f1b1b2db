// The requests and forwards a member already took (see EtcdMember.onMessage: a copy the simulated
// network duplicated is dropped). A client's request is remembered by its sender, its kind and its
// number — no key string is built per request — and a forward by the id its entry carries (already a
// string, "<member>/<nonce>/<n>"). Past `capacity`, the oldest taken is forgotten first, whatever its kind.

/** The kinds of client request a member deduplicates, each numbered by its client independently. */
export type ClientRequestKind = "kv" | "member" | "auth";

const KIND_SLOT: Readonly<Record<ClientRequestKind, number>> = { kv: 0, member: 1, auth: 2 };

export class SeenRequests {
  /** Per client: the request numbers taken, one set per kind (KIND_SLOT). */
  private readonly byClient = new Map<string, Set<number>[]>();
  private readonly forwards = new Set<string>();
  /** Oldest first: the set each remembered request is in, and its number or id (parallel arrays). */
  private readonly orderSet: Set<unknown>[] = [];
  private readonly orderId: unknown[] = [];

  constructor(private readonly capacity = 10_000) {}

  /** Whether `from`'s request `id` of `kind` was taken already; if not, it is remembered as taken now. */
  client(from: string, kind: ClientRequestKind, id: number): boolean {
    let sets = this.byClient.get(from);
    if (sets === undefined) {
      sets = [new Set(), new Set(), new Set()];
      this.byClient.set(from, sets);
    }
    return this.seenOrTake(sets[KIND_SLOT[kind]]!, id);
  }

  /** Whether the forward with entry id `id` was taken already; if not, it is remembered as taken now. */
  forward(id: string): boolean {
    return this.seenOrTake(this.forwards, id);
  }

  /** How many are remembered. */
  get size(): number {
    return this.orderId.length;
  }

  private seenOrTake<T>(set: Set<T>, id: T): boolean {
    if (set.has(id)) return true;
    set.add(id);
    this.orderSet.push(set as Set<unknown>);
    this.orderId.push(id);
    if (this.orderId.length > this.capacity) this.orderSet.shift()!.delete(this.orderId.shift());
    return false;
  }
}

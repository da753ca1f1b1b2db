// The requests and forwards a member already took (see EtcdMember.onMessage: a copy the simulated
// network duplicated is dropped). A client's request is remembered by its sender, its kind and its
// number — no key string is built per request — and a forward by the id its entry carries (already a
// string, "<member>/<nonce>/<n>"). Past `capacity`, the oldest taken is forgotten first, whatever its kind.
// A client request is kept with the message itself: a copy the network duplicated is that very object,
// so a different message under a taken number is a client that numbered two requests alike.

/** The kinds of client request a member deduplicates, each numbered by its client independently. */
export type ClientRequestKind = "kv" | "member" | "auth";

const KIND_SLOT: Readonly<Record<ClientRequestKind, number>> = { kv: 0, member: 1, auth: 2 };

export class SeenRequests {
  /** Per client: the requests taken by number, one map per kind (KIND_SLOT). */
  private readonly byClient = new Map<string, Map<number, unknown>[]>();
  private readonly forwards = new Set<string>();
  /** Oldest first: the map or set each remembered request is in, and its number or id (parallel arrays). */
  private readonly orderSet: (Set<unknown> | Map<unknown, unknown>)[] = [];
  private readonly orderId: unknown[] = [];

  constructor(private readonly capacity = 10_000) {}

  /**
   * The message `from` sent earlier as its request `id` of `kind`, if one was taken (a duplicate is the
   * same object); if none was, `msg` is remembered as taken now and undefined returned.
   */
  client(from: string, kind: ClientRequestKind, id: number, msg: object): unknown {
    let maps = this.byClient.get(from);
    if (maps === undefined) {
      maps = [new Map(), new Map(), new Map()];
      this.byClient.set(from, maps);
    }
    const taken = maps[KIND_SLOT[kind]]!;
    const earlier = taken.get(id);
    if (earlier !== undefined) return earlier;
    taken.set(id, msg);
    this.remember(taken, id);
    return undefined;
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
    this.remember(set as Set<unknown>, id);
    return false;
  }

  private remember(where: Set<unknown> | Map<unknown, unknown>, id: unknown): void {
    this.orderSet.push(where);
    this.orderId.push(id);
    if (this.orderId.length > this.capacity) this.orderSet.shift()!.delete(this.orderId.shift());
  }
}

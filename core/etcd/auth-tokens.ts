// etcd 3.4's simple tokens (auth/simple_token.go): "<16 random letters>.<raft index>", assigned when a
// member applies the Authenticate entry — every member that applies it learns the token — and kept in
// memory only: a restarted member has none (the entries it had applied before the crash are not applied
// again), so its clients get "invalid auth token" and authenticate again. A token lives for
// --auth-token-ttl (300 s) and every use refreshes it. A member that has not yet applied the token's
// index waits for it (isValidSimpleToken's indexWaiter) rather than refusing it.

/** etcd's default --auth-token-ttl: 300 s. */
export const DEFAULT_TOKEN_TTL_US = 300_000_000;

export class SimpleTokens {
  private readonly tokens = new Map<string, { user: string; expiresAt: number }>();

  constructor(private readonly ttlUs: number) {}

  /** The raft index a token names, or undefined if it is not a simple token. */
  static indexOf(token: string): number | undefined {
    const parts = token.split(".");
    if (parts.length !== 2 || !/^[0-9]+$/.test(parts[1]!)) return undefined;
    return Number(parts[1]);
  }

  assign(token: string, user: string, now: number): void {
    this.tokens.set(token, { user, expiresAt: now + this.ttlUs });
  }

  /** The token's user, refreshing its TTL; undefined if unknown or expired (an expired one is dropped). */
  use(token: string, now: number): string | undefined {
    const t = this.tokens.get(token);
    if (t === undefined) return undefined;
    if (now > t.expiresAt) {
      this.tokens.delete(token);
      return undefined;
    }
    t.expiresAt = now + this.ttlUs;
    return t.user;
  }

  /** Drops a user's tokens (deleted, password changed), or every token ("*": auth disabled). */
  invalidate(user: string): void {
    for (const [token, t] of [...this.tokens]) if (user === "*" || t.user === user) this.tokens.delete(token);
  }
}

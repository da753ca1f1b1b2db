// A small TCP proxy in front of one etcd port (peer or client), for network faults without root:
// delay, drop (a lost segment TCP cannot hide: the connection breaks), blackhole (bytes vanish, the
// connection stays open: a partition), each per direction. Peer connections name their sender: etcd's
// peer HTTP requests carry "X-Server-From: <member id hex>", so a rule can hit one link (n1 → n3) and
// not another, although every member dials the same proxy address.
// "up" is towards the etcd behind the proxy, "down" is back to whoever dialed.
import { createServer, connect, type Server, type Socket } from "node:net";

export type Direction = "up" | "down";

/** What happens to bytes in one direction of one connection. */
export interface LinkRule {
  /** Extra delay per chunk (ms); order is kept. */
  delayMs?: number;
  /** Chance that a chunk breaks the connection (both sockets destroyed). */
  dropP?: number;
  /** Bytes vanish; the connection stays open. */
  blackhole?: boolean;
}

/** Returns the rule for a direction of a connection; `from` is the dialing member's id (hex) if known. */
export type RuleFn = (dir: Direction, from: string | undefined) => LinkRule | undefined;

export interface ProxyStats {
  connections: number;
  bytesUp: number;
  bytesDown: number;
  dropped: number;
  swallowed: number;
}

interface Conn {
  client: Socket;
  upstream: Socket;
  from: string | undefined;
  /** Bytes were swallowed on this connection: its byte stream is corrupt, it is reset at heal. */
  tainted: boolean;
}

const FROM_HEADER = /\r\nX-Server-From: *([0-9a-fA-F]+)\r\n/i;
const SNIFF_LIMIT = 16 * 1024;

export class TcpProxy {
  private server: Server | undefined;
  private readonly conns = new Set<Conn>();
  readonly stats: ProxyStats = { connections: 0, bytesUp: 0, bytesDown: 0, dropped: 0, swallowed: 0 };
  /** The current rule function; `heal()` resets it. */
  rules: RuleFn = () => undefined;
  /** For drop decisions only (not seeded: the interleaving is real anyway). */
  random: () => number = Math.random;
  port = 0;

  constructor(
    readonly targetHost: string,
    public targetPort: number,
    readonly sniffPeerHeader = false,
  ) {}

  async listen(port = 0, host = "127.0.0.1"): Promise<number> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address();
    if (addr === null || typeof addr === "string") throw new Error("proxy: no port");
    this.port = addr.port;
    return this.port;
  }

  /** Rules off; connections whose bytes were swallowed are reset (their streams are corrupt). */
  heal(): void {
    this.rules = () => undefined;
    for (const c of [...this.conns]) if (c.tainted) this.kill(c);
  }

  /** Breaks every open connection (e.g. when the member behind is restarted on the same port). */
  resetAll(): void {
    for (const c of [...this.conns]) this.kill(c);
  }

  async close(): Promise<void> {
    this.resetAll();
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  private kill(c: Conn): void {
    this.conns.delete(c);
    c.client.destroy();
    c.upstream.destroy();
  }

  private accept(client: Socket): void {
    this.stats.connections++;
    client.setNoDelay(true);
    const upstream = connect(this.targetPort, this.targetHost);
    upstream.setNoDelay(true);
    const c: Conn = { client, upstream, from: undefined, tainted: false };
    this.conns.add(c);
    const onClose = () => this.kill(c);
    client.on("error", onClose).on("close", onClose);
    upstream.on("error", onClose).on("close", onClose);
    // Until the sender is known (peer ports), hold the first bytes.
    let sniffing = this.sniffPeerHeader;
    let held = Buffer.alloc(0);
    client.on("data", (d: Buffer) => {
      if (sniffing) {
        held = Buffer.concat([held, d]);
        const m = FROM_HEADER.exec(held.toString("latin1"));
        if (m === null && held.length < SNIFF_LIMIT && !held.includes("\r\n\r\n")) return;
        if (m !== null) c.from = m[1]!.toLowerCase();
        sniffing = false;
        d = held;
      }
      this.stats.bytesUp += d.length;
      this.forward(c, "up", d, upstream);
    });
    upstream.on("data", (d: Buffer) => {
      this.stats.bytesDown += d.length;
      this.forward(c, "down", d, client);
    });
  }

  /**
   * Per socket, delayed chunks wait in one FIFO drained by one timer: separate timers per chunk could
   * fire out of order (Node rounds their durations) and scramble the byte stream.
   */
  private readonly queues = new WeakMap<
    Socket,
    { items: { due: number; d: Buffer }[]; timer: NodeJS.Timeout | undefined }
  >();

  private forward(c: Conn, dir: Direction, d: Buffer, to: Socket): void {
    const rule = this.rules(dir, c.from);
    if (rule?.blackhole) {
      this.stats.swallowed += d.length;
      c.tainted = true;
      return;
    }
    if (rule?.dropP !== undefined && rule.dropP > 0 && this.random() < rule.dropP) {
      this.stats.dropped++;
      this.kill(c);
      return;
    }
    const delay = rule?.delayMs ?? 0;
    let q = this.queues.get(to);
    if (delay <= 0 && (q === undefined || q.items.length === 0)) {
      if (!to.destroyed) to.write(d);
      return;
    }
    if (q === undefined) this.queues.set(to, (q = { items: [], timer: undefined }));
    q.items.push({ due: performance.now() + delay, d });
    this.drain(to, q);
  }

  private drain(to: Socket, q: { items: { due: number; d: Buffer }[]; timer: NodeJS.Timeout | undefined }): void {
    if (q.timer !== undefined) return;
    const now = performance.now();
    while (q.items.length > 0 && q.items[0]!.due <= now) {
      const { d } = q.items.shift()!;
      if (!to.destroyed) to.write(d);
    }
    if (q.items.length === 0) return;
    q.timer = setTimeout(
      () => {
        q.timer = undefined;
        this.drain(to, q);
      },
      Math.max(1, q.items[0]!.due - now),
    );
  }
}

// The one door between the system under test and the world. The simulator implements it; core code
// never reaches for real time, real I/O or global randomness, so one seed fixes one history.
import type { BuggifySite } from "./buggify.ts";

/**
 * What core code notes in the trace: a Raft role change, a repaired log, an apiserver's compaction;
 * "why:…" marks an aside (a reason for dropping a message), kept as a line but never hashed.
 */
export type NoteKind = "raft-role" | "raft-repair" | "compact" | `why:${string}`;

/** A deterministic random stream. Children are derived by name, so adding a stream never shifts another's draws. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An unsigned 32-bit integer. */
  uint32(): number;
  /** An integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number;
  /** True with probability p (0..1). */
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
  /** Fisher–Yates in place; returns xs. */
  shuffle<T>(xs: T[]): T[];
  fork(name: string): Random;
}

export type TimerId = number;

/**
 * A process's disk: named files of records. Writes are buffered until `sync` completes; a crash loses
 * (or tears, or corrupts) every write not yet durable. Records must not be mutated after being written.
 */
export interface Disk {
  /** Append one record to a file (buffered, not durable). */
  append(file: string, record: unknown): void;
  /** append() of each record in order, in one call (a crash can still tear between any two). */
  appendAll(file: string, records: readonly unknown[]): void;
  /** Replace a file's contents with one value (buffered; atomic when it becomes durable). */
  write(file: string, value: unknown): void;
  /** Drop records from index `from` on (a log truncation), buffered like any write. */
  truncate(file: string, from: number): void;
  /** Everything written so far, durable or not, as this process sees it. */
  read(file: string): readonly unknown[];
  /** The last value given to `write` (or undefined). */
  readValue(file: string): unknown;
  /**
   * After a restart: the index of the first record of `file` whose checksum fails (a write torn or
   * corrupted by a crash), or undefined. Recovery truncates the file there; nothing after it is trusted.
   */
  firstCorrupt(file: string): number | undefined;
  /** Makes every write issued so far durable, then calls done after the simulated fsync latency. */
  sync(done: () => void): void;
  /** Writes not yet durable. */
  readonly pendingWrites: number;
  /**
   * Set a file's length as the file system keeps it: at once, and never taken back by a crash. bbolt grows
   * its db file (and a defragmentation shrinks it) with ftruncate before it writes pages into it, so the
   * file's size survives a crash that loses the pages' contents.
   */
  setFileSize(file: string, bytes: number): void;
  /** The length last given to setFileSize (0 if never set). */
  fileSize(file: string): number;
  /**
   * A number a background committer makes durable at its next period boundary, as bbolt's batch
   * transaction commits (and fsyncs) every `periodUs`: a crash keeps the last value whose boundary had
   * passed, never a torn one, and loses the rest. Costs no event: the boundaries are reckoned, not
   * scheduled (on the disk's true time, so a clock's drift does not move them).
   */
  commitOnPeriod(file: string, value: number, periodUs: number): void;
  /** Makes `value` durable at once (a forced commit: etcd commits its backend before a snapshot). */
  commitNow(file: string, value: number): void;
  /** The last value given to commitOnPeriod or commitNow (undefined if never): after a restart, the durable one. */
  committed(file: string): number | undefined;
}

/** What core code sees of its process: a local clock, timers, a network endpoint, a disk and a random stream. */
export interface Env {
  /** This process's name, e.g. "n1". */
  readonly id: string;
  /** This process's local clock in integer microseconds: virtual time plus skew and drift. */
  now(): number;
  /**
   * A monotonic clock (µs): drift applies, skew jumps do not — what Go's monotonic time gives etcd
   * for lease expiry. Never goes backwards within one incarnation.
   */
  monotonic(): number;
  /** Runs fn after delayUs of this process's clock. Deferred while paused; gone after a crash. */
  setTimer(delayUs: number, fn: () => void): TimerId;
  cancelTimer(id: TimerId): void;
  /** Sends a message over the simulated network (lossy, delayed, maybe duplicated or partitioned). */
  send(to: string, msg: unknown): void;
  readonly disk: Disk;
  readonly rng: Random;
  /** Records a note in the trace (folded into the trace hash, unless it is an aside: "why:…"). */
  record(kind: NoteKind, detail?: string): void;
  /**
   * false: asides ("why:…" notes) are dropped unread (the trace keeps no lines and never hashes them), so
   * a caller may skip building them. Absent: they may be kept.
   */
  readonly keepsAsides?: boolean;
  /**
   * BUGGIFY (FoundationDB): true when this run enabled the named fault point and the seed's stream
   * fires it this time; every firing is recorded in the trace. Code at a fault point takes a legal
   * but unlucky path (drop a proposal, skip a watch sync…), never an incorrect one.
   */
  buggify(site: BuggifySite): boolean;
}

/** A process body, created at start and again at every restart from what its disk kept. */
export interface Actor {
  onMessage(from: string, msg: unknown): void;
  /** Called once after construction (restart included). */
  start?(): void;
  /**
   * A signal from the world outside the process's logic (the nemesis): "container-kill" kills one running
   * container of a node's pods. A process without containers ignores it.
   */
  onSignal?(signal: "container-kill"): void;
  /**
   * Asked to stop gracefully (SIGTERM): wind down, then call `exit` once (the world then syncs the disk
   * and takes the process down). Without it, a stop is an exit at once with the disk synced.
   */
  stop?(exit: () => void): void;
}

export type ActorFactory = (env: Env) => Actor;

// A process's simulated disk with write → fsync semantics. The files hold what was written; separately,
// the list of writes not yet durable remembers how to undo each one. A crash undoes every pending write
// (or, under a disk fault, keeps a torn prefix or leaves one corrupt record behind), so the truth and
// the fault state never mix. Records are kept by reference: writers must not mutate them afterwards.
import type { Disk } from "../core/env.ts";
import type { Rng } from "./rng.ts";
import { probesOf } from "../core/probes.ts";
import { SIM_PROBES } from "./probes.ts";
import { drawUs, type FsyncDistribution } from "./latency.ts";

const probe = probesOf(SIM_PROBES);

type Pending =
  | { kind: "append"; file: string }
  | { kind: "write"; file: string; previous: unknown; had: boolean }
  | { kind: "truncate"; file: string; removed: unknown[]; from: number };

const NO_PENDING: Pending = { kind: "append", file: "" };

export type CrashMode = "clean" | "torn" | "corrupt";

export interface DiskOptions {
  fsyncLatencyUs: number;
  fsyncJitterUs: number;
  /** Extra latency for one fsync, asked at every sync (the world's BUGGIFY "delay-fsync" point). */
  extraLatencyUs?: () => number;
}

export interface DiskHost {
  now(): number;
  /** Schedules fn(a, b, c) at an absolute virtual time (never cancelled: a crash bumps the disk's epoch instead). */
  at<A, B>(time: number, fn: (a: A, b: B, c: number) => void, a: A, b: B, c: number): void;
  /**
   * Runs an fsync's completion on behalf of the disk's process (the world's guard: an assertion that fails
   * in it — Raft persisting, then applying — is a finding of that process, as in its timers and messages).
   */
  complete?(done: () => void): void;
}

/**
 * An fsync in flight is its completion event's (disk, done, epoch and target) with no closure of its own:
 * the disk's crash epoch and the write count it makes durable, packed into one number (exact while a disk
 * has fewer than 2^20 crashes and 2^32 writes between two crashes).
 */
const TARGET_UNIT = 0x100000000;

function packSync(epoch: number, target: number): number {
  if (target >= TARGET_UNIT || epoch >= 0x100000)
    throw new RangeError(`fsync of write ${target} in epoch ${epoch} does not fit`);
  return epoch * TARGET_UNIT + target;
}

/** Every fsync completion calls this one function (see packSync). */
function syncDone(disk: SimDisk, done: () => void, packed: number): void {
  disk.completeSync(Math.floor(packed / TARGET_UNIT), packed % TARGET_UNIT, done);
}

interface File {
  records: unknown[];
  value: unknown;
  hasValue: boolean;
  /** Index of the first record that fails its checksum after a corrupting crash. */
  corruptFrom: number | undefined;
  readonly appendMarker: Pending;
}

export class SimDisk implements Disk {
  private readonly files = new Map<string, File>();
  /**
   * pending[0, pendingLength): a vector that never shrinks, because an fsync usually makes all of it durable
   * and an emptied JS array gives its storage back, only to grow it again on the next write.
   */
  private readonly pending: Pending[] = [];
  private pendingLength = 0;
  /** Writes issued since the last crash, and how many of them are durable (pending = the rest, in order). */
  private pushed = 0;
  private durable = 0;
  /** Bumped by every crash, so an fsync completion from before the crash does nothing. */
  private epoch = 0;
  private lastSyncDone = 0;
  /** Extra fsync latency while a slow-disk fault is active. */
  slowUs = 0;
  stats = { writes: 0, syncs: 0, lostOnCrash: 0, tornOnCrash: 0, corruptOnCrash: 0 };
  /** Set by setFsyncLatency: an fsync's base latency drawn from a distribution instead of base + jitter. */
  private fsyncDraw: (() => number) | undefined;

  constructor(
    private readonly host: DiskHost,
    private readonly rng: Rng,
    private readonly opts: DiskOptions,
  ) {}

  private lastFile: File | undefined;
  /** Files' lengths (setFileSize): outside the pending writes, so a crash keeps them. */
  private readonly sizes = new Map<string, number>();

  private file(name: string): File {
    // Writes come in runs to one file (a Ready's entries): skip the map for the same file again.
    const last = this.lastFile;
    if (last !== undefined && last.appendMarker.file === name) return last;
    let f = this.files.get(name);
    if (f === undefined) {
      f = {
        records: [],
        value: undefined,
        hasValue: false,
        corruptFrom: undefined,
        appendMarker: { kind: "append", file: name },
      };
      this.files.set(name, f);
    }
    this.lastFile = f;
    return f;
  }

  append(file: string, record: unknown): void {
    const f = this.file(file);
    f.records.push(record);
    // Every pending append to a file looks the same: one shared marker per file, not one per record.
    this.pending[this.pendingLength++] = f.appendMarker;
    this.pushed++;
    this.stats.writes++;
  }

  appendAll(file: string, records: readonly unknown[]): void {
    const f = this.file(file);
    const n = records.length;
    for (let i = 0; i < n; i++) {
      f.records.push(records[i]);
      this.pending[this.pendingLength++] = f.appendMarker;
    }
    this.pushed += n;
    this.stats.writes += n;
  }

  write(file: string, value: unknown): void {
    const f = this.file(file);
    this.pending[this.pendingLength++] = { kind: "write", file, previous: f.value, had: f.hasValue };
    this.pushed++;
    f.value = value;
    f.hasValue = true;
    this.stats.writes++;
  }

  truncate(file: string, from: number): void {
    const f = this.file(file);
    if (from >= f.records.length) return;
    const removed = f.records.splice(from);
    this.pending[this.pendingLength++] = { kind: "truncate", file, removed, from };
    this.pushed++;
    if (f.corruptFrom !== undefined && f.corruptFrom >= from) {
      probe("sim.corrupt-tail-truncated");
      f.corruptFrom = undefined;
    }
    this.stats.writes++;
  }

  read(file: string): readonly unknown[] {
    return this.files.get(file)?.records ?? [];
  }

  readValue(file: string): unknown {
    return this.files.get(file)?.value;
  }

  firstCorrupt(file: string): number | undefined {
    return this.files.get(file)?.corruptFrom;
  }

  setFileSize(file: string, bytes: number): void {
    this.sizes.set(file, bytes);
  }

  fileSize(file: string): number {
    return this.sizes.get(file) ?? 0;
  }

  /** Periodically committed values: the durable one, and the newest with the boundary it waits for. */
  private readonly commits = new Map<string, { durable: number | undefined; value: number; at: number }>();

  commitOnPeriod(file: string, value: number, periodUs: number): void {
    const now = this.host.now();
    const at = (Math.floor(now / periodUs) + 1) * periodUs;
    const c = this.commits.get(file);
    if (c === undefined) this.commits.set(file, { durable: undefined, value, at });
    else {
      // A commit whose boundary passed is durable; the newest value waits for the next boundary.
      if (c.at <= now) c.durable = c.value;
      c.value = value;
      c.at = at;
    }
  }

  commitNow(file: string, value: number): void {
    this.commits.set(file, { durable: value, value, at: this.host.now() });
  }

  committed(file: string): number | undefined {
    return this.commits.get(file)?.value;
  }

  get pendingWrites(): number {
    return this.pendingLength;
  }

  /**
   * From now on each fsync's base latency is drawn from the distribution pick() returns at that call
   * (a "@leader" slow disk changes with the leader). The draws come from a stream of their own.
   */
  setFsyncLatency(pick: () => FsyncDistribution): void {
    const rng = this.rng.fork("fsync-latency");
    this.fsyncDraw = () => drawUs(pick(), rng);
  }

  sync(done: () => void): void {
    this.stats.syncs++;
    const target = this.pushed;
    const base =
      this.fsyncDraw !== undefined
        ? this.fsyncDraw()
        : this.opts.fsyncLatencyUs + (this.opts.fsyncJitterUs > 0 ? this.rng.int(0, this.opts.fsyncJitterUs) : 0);
    const latency = base + this.slowUs + (this.opts.extraLatencyUs?.() ?? 0);
    // A disk completes fsyncs in order.
    const at = Math.max(this.host.now() + latency, this.lastSyncDone);
    this.lastSyncDone = at;
    this.host.at(at, syncDone, this, done, packSync(this.epoch, target));
  }

  /** The fsync issued in `epoch` that covers the first `target` writes completed (see sync). */
  completeSync(epoch: number, target: number, done: () => void): void {
    if (epoch !== this.epoch) return; // a crash came first: nothing of it became durable here
    const n = target - this.durable;
    if (n > 0) {
      this.dropDurable(n);
      this.durable = target;
    }
    if (this.host.complete !== undefined) this.host.complete(done);
    else done();
  }

  /** The oldest n pending writes became durable. */
  private dropDurable(n: number): void {
    const p = this.pending;
    const rest = this.pendingLength - n;
    for (let i = 0; i < rest; i++) p[i] = p[i + n]!;
    // Cleared so an old write's undo record (it may hold a large previous value) is not kept alive.
    for (let i = rest; i < this.pendingLength; i++) p[i] = NO_PENDING;
    this.pendingLength = rest;
  }

  /** Every write so far becomes durable at once (used to set up initial state). */
  syncNow(): void {
    this.dropDurable(this.pendingLength);
    this.durable = this.pushed;
  }

  /**
   * The process crashed: undo writes that were not durable. torn keeps a random prefix of them;
   * corrupt additionally leaves the next appended record in place with a bad checksum.
   */
  crash(mode: CrashMode): void {
    let keep = 0;
    const length = this.pendingLength;
    if (mode !== "clean" && length > 0) keep = this.rng.int(0, length - 1);
    let corruptOne = mode === "corrupt" && keep < length && this.pending[keep]!.kind === "append";
    for (let i = length - 1; i >= keep; i--) {
      const p = this.pending[i]!;
      const f = this.file(p.file);
      if (i === keep && corruptOne && p.kind === "append") {
        // The torn tail record stays on disk but its checksum will not match.
        f.corruptFrom = Math.min(f.corruptFrom ?? Infinity, f.records.length - 1);
        this.stats.corruptOnCrash++;
        corruptOne = false;
        continue;
      }
      this.stats.lostOnCrash++;
      if (p.kind === "append") f.records.pop();
      else if (p.kind === "write") {
        f.value = p.previous;
        f.hasValue = p.had;
      } else f.records.splice(p.from, 0, ...p.removed);
    }
    if (keep > 0) {
      this.stats.tornOnCrash += keep;
      if (keep < length) probe("sim.torn-write-on-crash");
    }
    this.dropDurable(length);
    const now = this.host.now();
    for (const [file, c] of this.commits) {
      const durable = c.at <= now ? c.value : c.durable;
      if (durable === undefined) this.commits.delete(file);
      else this.commits.set(file, { durable, value: durable, at: now });
    }
    this.pushed = 0;
    this.durable = 0;
    this.epoch++;
    this.lastSyncDone = 0;
  }
}

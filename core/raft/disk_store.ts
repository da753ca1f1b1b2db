// How a Raft node's durable state is laid out on its process's Disk, and how it is read back after a crash.
//   raft.hardstate   one value: HardState
//   raft.snapshot    one value: the latest Snapshot
//   raft.logfile     one value: which of raft.log.0 / raft.log.1 holds the log (absent: raft.log.0)
//   raft.log.N       records: contiguous entries; a suffix is replaced by truncate + append
// Compaction leaves dead records at the head of the log file; once they dominate, the live suffix is copied
// to the other file, synced, and only then does the pointer switch (so a crash at any point leaves one
// complete log). Records are the Entry objects themselves, never mutated after being written.
import { assert } from "../assert.ts";
import type { Disk } from "../env.ts";
import type { Entry, HardState, Ready, Snapshot } from "./types.ts";

const HARDSTATE = "raft.hardstate";
const SNAPSHOT = "raft.snapshot";
const LOGFILE = "raft.logfile";
const LOG_FILES = ["raft.log.0", "raft.log.1"] as const;
type LogFile = (typeof LOG_FILES)[number];

/** What a restart found on disk, after dropping anything torn or corrupt. */
export interface LoadedState {
  hardState?: HardState;
  snapshot?: Snapshot;
  entries: Entry[];
  /** Notes on what had to be repaired (for the trace). */
  repairs: string[];
}

/** A disk that can say where a torn write left a record with a bad checksum (the simulator's SimDisk can). */
interface ChecksummedDisk {
  firstCorrupt(file: string): number | undefined;
}

function hasChecksums(d: Disk): d is Disk & ChecksummedDisk {
  return typeof (d as Partial<ChecksummedDisk>).firstCorrupt === "function";
}

export class RaftDiskStore {
  private logFile: LogFile;
  /** Raft index of record 0 of the current log file (meaningful when it has records). */
  private base = 1;
  private records = 0;
  private snapshotIndex = 0;

  constructor(private readonly disk: Disk) {
    const p = disk.readValue(LOGFILE);
    this.logFile = p === LOG_FILES[1] ? LOG_FILES[1] : LOG_FILES[0];
  }

  /** Reads back the durable state; truncates the log at the first torn, corrupt or out-of-place record. */
  load(): LoadedState {
    const repairs: string[] = [];
    const hs = asHardState(this.disk.readValue(HARDSTATE));
    const snap = asSnapshot(this.disk.readValue(SNAPSHOT));
    const records = this.disk.read(this.logFile);
    const corruptAt = hasChecksums(this.disk) ? this.disk.firstCorrupt(this.logFile) : undefined;
    let valid = 0;
    for (; valid < records.length; valid++) {
      if (corruptAt !== undefined && valid >= corruptAt) break;
      const e = asEntry(records[valid]);
      if (e === undefined) break;
      if (valid > 0 && e.index !== (records[valid - 1] as Entry).index + 1) break;
    }
    if (valid < records.length) {
      repairs.push(
        `log ${this.logFile}: dropped ${records.length - valid} record(s) from position ${valid} (torn or corrupt)`,
      );
      this.disk.truncate(this.logFile, valid);
    }
    const kept = records.slice(0, valid) as Entry[];
    const snapIndex = snap?.metadata.index ?? 0;
    let entries = kept.filter((e) => e.index > snapIndex);
    const first = kept[0];
    if (first !== undefined) {
      this.base = first.index;
      this.records = kept.length;
    }
    // Entries after the snapshot belong to it only if the log agrees with it at the snapshot point (a
    // leader's snapshot may have been written while the truncation of the old log was lost).
    const atSnap = kept.find((e) => e.index === snapIndex);
    const startsRight = entries.length === 0 || entries[0]!.index === snapIndex + 1;
    const disagrees =
      snap !== undefined && ((atSnap !== undefined && atSnap.term !== snap.metadata.term) || !startsRight);
    // A log that ends before the snapshot: a leader's snapshot whose truncation of the old log was torn off.
    // Every record is covered by the snapshot, and the next entry (snapshot + 1) must start the file.
    const lastKept = kept[kept.length - 1]?.index ?? snapIndex;
    const endsBefore = snap !== undefined && entries.length === 0 && lastKept < snapIndex;
    if (disagrees || endsBefore) {
      if (disagrees && entries.length > 0)
        repairs.push(`log disagrees with the snapshot at ${snapIndex}: dropped ${entries.length} entries after it`);
      if (endsBefore) repairs.push(`log ends at ${lastKept}, before the snapshot at ${snapIndex}: dropped it`);
      entries = [];
      this.disk.truncate(this.logFile, 0);
      this.records = 0;
      this.base = snapIndex + 1;
    }
    this.snapshotIndex = snapIndex;
    let hardState = hs;
    const lastIndex = entries.length > 0 ? entries[entries.length - 1]!.index : snapIndex;
    if (hardState !== undefined && hardState.commit > lastIndex) {
      repairs.push(`hard state commit ${hardState.commit} beyond the durable log (${lastIndex}): clamped`);
      hardState = { ...hardState, commit: lastIndex };
    }
    return { hardState, snapshot: snap, entries, repairs };
  }

  /** Issues the writes of one Ready, in the order a crash can tear safely: snapshot, log, hard state. */
  persist(rd: Ready): boolean {
    let wrote = false;
    if (rd.snapshot !== undefined) {
      this.disk.write(SNAPSHOT, rd.snapshot);
      // The leader's snapshot replaces the whole log.
      this.disk.truncate(this.logFile, 0);
      this.records = 0;
      this.base = rd.snapshot.metadata.index + 1;
      this.snapshotIndex = rd.snapshot.metadata.index;
      wrote = true;
    }
    const first = rd.entries[0];
    if (first !== undefined) {
      if (this.records === 0) {
        this.base = first.index;
      } else {
        if (first.index < this.base || first.index > this.base + this.records) {
          assert(
            false,
            `entries from ${first.index} do not fit the stored log [${this.base}, ${this.base + this.records})`,
          );
        }
        const at = first.index - this.base;
        if (at < this.records) this.disk.truncate(this.logFile, at);
        this.records = at;
      }
      this.disk.appendAll(this.logFile, rd.entries);
      this.records += rd.entries.length;
      wrote = true;
    }
    if (rd.hardState !== undefined) {
      this.disk.write(HARDSTATE, rd.hardState);
      wrote = true;
    }
    return wrote;
  }

  /** Stores a snapshot the host took (the log keeps its records until a rewrite). */
  saveSnapshot(s: Snapshot): void {
    this.disk.write(SNAPSHOT, s);
    this.snapshotIndex = s.metadata.index;
  }

  /** Dead records (covered by the snapshot) outnumber live ones and are many. */
  needsRewrite(minDead = 1024): boolean {
    const dead = Math.min(this.records, Math.max(0, this.snapshotIndex - this.base + 1));
    return dead >= minDead && dead > this.records - dead;
  }

  /** Copies the live suffix to the other log file, then switches to it; done() runs when it is durable. */
  rewrite(done: () => void): void {
    const from = this.disk.read(this.logFile);
    const skip = Math.max(0, this.snapshotIndex - this.base + 1);
    const live = from.slice(skip, this.records) as Entry[];
    const old = this.logFile;
    const next: LogFile = old === LOG_FILES[0] ? LOG_FILES[1] : LOG_FILES[0];
    this.disk.truncate(next, 0);
    this.disk.appendAll(next, live);
    this.disk.sync(() => {
      this.disk.write(LOGFILE, next);
      this.disk.sync(() => {
        this.disk.truncate(old, 0);
        this.logFile = next;
        this.base = live[0]?.index ?? this.snapshotIndex + 1;
        this.records = live.length;
        done();
      });
    });
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object";
}

function isNat(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
}

function asEntry(x: unknown): Entry | undefined {
  if (!isObject(x) || !isNat(x.index) || !isNat(x.term) || x.index === 0) return undefined;
  if (x.type !== "normal" && x.type !== "confChange") return undefined;
  return x as unknown as Entry;
}

function asHardState(x: unknown): HardState | undefined {
  if (!isObject(x) || !isNat(x.term) || !isNat(x.commit) || typeof x.vote !== "string") return undefined;
  return x as unknown as HardState;
}

function asSnapshot(x: unknown): Snapshot | undefined {
  if (!isObject(x) || !isObject(x.metadata)) return undefined;
  const m = x.metadata;
  if (!isNat(m.index) || !isNat(m.term) || !isObject(m.confState)) return undefined;
  return x as unknown as Snapshot;
}

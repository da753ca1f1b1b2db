// A temporary file that takes a long run's packed client history (PackedValues' full chunks) off the
// heap: an hour of kv-chaos records ~250,000 operations, ~40 MB packed, that only the checkers and the
// reports read, after the simulation. Core code does no I/O (docs/DETERMINISM.md); the harness gives
// the recorder this store, and the history reads back the very words it was given.
//
// Nothing is left behind: the file is created (exclusively, readable by this user only) and its name
// removed at once, so it lives only as long as its descriptor. The descriptor is closed by close(),
// when the store is garbage collected (the run's history is no longer reachable), or by the process
// ending, however it ends (an error, a signal, a kill). Where an open file cannot be unlinked (Windows),
// the name is removed on close and, failing that, when the process exits.
import { closeSync, openSync, readSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChunkStore } from "../../core/etcd/packed-values.ts";
import type { BlockStore } from "../../core/metrics/columns.ts";

/** The descriptor and, if it could not be unlinked at once, the name of one open file. */
interface OpenFile {
  fd: number | undefined;
  path: string | undefined;
}

/** Names still on disk (only where unlinking an open file fails), removed at exit. */
const named = new Set<OpenFile>();
let exitHook = false;
/** Files this process opened (their names' last part). */
let opened = 0;

/** Closes the file of a store that was garbage collected without close(). */
const collected = new FinalizationRegistry<OpenFile>((file) => release(file));

function release(file: OpenFile): void {
  if (file.fd !== undefined) {
    try {
      closeSync(file.fd);
    } catch {
      // already closed: nothing to release
    }
    file.fd = undefined;
  }
  if (file.path !== undefined) {
    try {
      unlinkSync(file.path);
    } catch {
      // gone already, or still in use: the exit hook tries again
      return;
    }
    file.path = undefined;
    named.delete(file);
  }
}

/**
 * A new temporary file under `dir`, its name removed at once where the system allows (else at close or
 * exit), or undefined if none can be created there.
 */
function openTempFile(dir: string, what: string): OpenFile | undefined {
  // The name only has to be unused (it is created exclusively): this process's id and a count, the
  // next count if a file of that name exists (left by an earlier process of the same id).
  let fd: number | undefined;
  let path = "";
  for (let tries = 0; fd === undefined && tries < 16; tries++) {
    path = join(dir, `etcdsim-${what}-${process.pid}-${++opened}`);
    try {
      fd = openSync(path, "wx+", 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") return undefined;
    }
  }
  if (fd === undefined) return undefined;
  const file: OpenFile = { fd, path };
  try {
    unlinkSync(path);
    file.path = undefined;
  } catch {
    named.add(file);
    if (!exitHook) {
      exitHook = true;
      process.on("exit", () => {
        for (const f of [...named]) release(f);
      });
    }
  }
  return file;
}

/** Writes all of `words` at byte `at` of the file (throws if the file refuses). */
function writeWords(fd: number, words: Int32Array, at: number): void {
  const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, at + done);
}

/** Fills `into` from byte `at` of the file; false if the file ends first. */
function readWords(fd: number, into: Int32Array, at: number): boolean {
  const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
  for (let done = 0; done < bytes.length; ) {
    const n = readSync(fd, bytes, done, bytes.length - done, at + done);
    if (n === 0) return false;
    done += n;
  }
  return true;
}

/** An open temporary file owned by one store: closed (and so deleted) on close(), when collected, or at exit. */
abstract class TempFileStore {
  protected readonly file: OpenFile;

  protected constructor(file: OpenFile) {
    this.file = file;
    collected.register(this, file, this);
  }

  /** Whether the file is still open (false after close()). */
  get isOpen(): boolean {
    return this.file.fd !== undefined;
  }

  /** Closes (and so deletes) the file now; what the store held can no longer be read. */
  close(): void {
    collected.unregister(this);
    release(this.file);
  }
}

export class TempFileChunkStore extends TempFileStore implements ChunkStore {
  /**
   * A store in a new temporary file under `dir` (the system's temporary directory by default), or
   * undefined if none can be created there (the history then stays in memory: same history, more memory).
   */
  static open(dir: string = tmpdir()): TempFileChunkStore | undefined {
    const file = openTempFile(dir, "history");
    return file === undefined ? undefined : new TempFileChunkStore(file);
  }

  put(index: number, words: Int32Array): boolean {
    const fd = this.file.fd;
    if (fd === undefined) return false;
    try {
      // A chunk that fails half-way is not used (false: it stays in memory); its bytes go with the file.
      writeWords(fd, words, index * words.byteLength);
      return true;
    } catch {
      return false;
    }
  }

  get(index: number, into: Int32Array): void {
    const fd = this.file.fd;
    if (fd === undefined) throw new Error("the history's chunk file was closed");
    if (!readWords(fd, into, index * into.byteLength))
      throw new Error(`the history's chunk file ends inside chunk ${index}`);
  }
}

/**
 * A temporary file that takes long columns' full chunks off the heap (core/metrics/columns.ts): each chunk
 * appended after the last, read back where it was put. Opened, named and released as the history's file.
 */
export class TempFileBlockStore extends TempFileStore implements BlockStore {
  /** Where the next block goes (bytes). */
  private end = 0;

  /** A store in a new temporary file under `dir`, or undefined if none can be created (columns stay in memory). */
  static open(dir: string = tmpdir()): TempFileBlockStore | undefined {
    const file = openTempFile(dir, "columns");
    return file === undefined ? undefined : new TempFileBlockStore(file);
  }

  append(words: Int32Array): number | undefined {
    const fd = this.file.fd;
    if (fd === undefined) return undefined;
    const at = this.end;
    try {
      // A block that fails half-way is not used (undefined: it stays in memory); the next one overwrites it.
      writeWords(fd, words, at);
    } catch {
      return undefined;
    }
    this.end = at + words.byteLength;
    return at;
  }

  read(at: number, into: Int32Array): void {
    const fd = this.file.fd;
    if (fd === undefined) throw new Error("the columns' chunk file was closed");
    if (!readWords(fd, into, at)) throw new Error(`the columns' chunk file ends inside the block at ${at}`);
  }
}

/**
 * The store of one run's long columns, opened when a column first asks (a short run never does) and
 * shared by every column of the run that asks after it; undefined, every time, if it cannot be opened.
 */
export function runBlockStore(dir?: string): () => BlockStore | undefined {
  let store: TempFileBlockStore | undefined;
  let tried = false;
  return () => {
    if (!tried) {
      tried = true;
      store = TempFileBlockStore.open(dir);
    }
    return store;
  };
}

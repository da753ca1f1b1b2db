// Output files are checked before a run starts and written whole or not at all: a regular file goes to a
// temporary sibling, then is renamed over the target; something that is not a regular file (a device
// node, a pipe, /dev/stdout) is written through, never replaced; a directory, a path under a file, an
// unwritable place, /proc or /sys is refused with one line naming the flag and the path.
import {
  accessSync,
  constants,
  lstatSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "../scenarios/types.ts";

let tmpCounter = 0;
const tmpName = (dir: string, base: string) => join(dir, `.${base}.tmp-${process.pid}-${tmpCounter++}`);

const code = (e: unknown) => (e as NodeJS.ErrnoException).code ?? String(e);

function lstatOrUndefined(p: string) {
  try {
    return lstatSync(p);
  } catch (e) {
    if (code(e) === "ENOENT") return undefined;
    if (code(e) === "ENOTDIR") return null; // a parent is a file
    throw e;
  }
}

/** Kernel pseudo-filesystems: writes there change the system or spin (mkdir -p under /proc/1). */
function isPseudo(real: string): boolean {
  return /^\/(proc|sys)(\/|$)/.test(real);
}

/** The nearest existing ancestor of a path that does not exist: it must be a writable directory. */
function checkCreatable(path: string, what: string): void {
  let anc = dirname(resolve(path));
  for (;;) {
    const st = lstatOrUndefined(anc);
    if (st === null) throw new UsageError(`${what}: a parent is not a directory`);
    if (st !== undefined) break;
    const up = dirname(anc);
    if (up === anc) break;
    anc = up;
  }
  let real: string;
  try {
    real = realpathSync(anc);
  } catch (e) {
    throw new UsageError(`${what}: cannot resolve ${anc} (${code(e)})`);
  }
  if (isPseudo(real)) throw new UsageError(`${what}: refusing to write under ${real.split("/").slice(0, 2).join("/")}`);
  if (!statSync(real).isDirectory()) throw new UsageError(`${what}: ${anc} is not a directory`);
  try {
    accessSync(real, constants.W_OK);
  } catch (e) {
    throw new UsageError(`${what}: ${anc} is not writable (${code(e)})`);
  }
}

/**
 * Checks that `path` can be written as a file: call before a run, so bad output paths cost nothing.
 * Returns how it will be written: "replace" (temp + rename) or "through" (not a regular file).
 */
export function checkOutputFile(path: string, flag: string): "replace" | "through" {
  const what = `${flag} ${JSON.stringify(path)}`;
  if (path === "") throw new UsageError(`${flag}: empty path`);
  const st = lstatOrUndefined(path);
  if (st === null) throw new UsageError(`${what}: a parent is not a directory`);
  if (st === undefined) {
    checkCreatable(path, what);
    return "replace";
  }
  if (st.isDirectory()) throw new UsageError(`${what}: is a directory`);
  if (!st.isFile()) {
    // A device, pipe or symlink (/dev/stdout, /dev/null): written through, never replaced.
    let target;
    try {
      target = statSync(path);
    } catch (e) {
      throw new UsageError(`${what}: cannot follow (${code(e)})`);
    }
    if (target.isDirectory()) throw new UsageError(`${what}: is a directory`);
    try {
      accessSync(path, constants.W_OK);
    } catch (e) {
      throw new UsageError(`${what}: not writable (${code(e)})`);
    }
    return "through";
  }
  checkCreatable(path, what);
  return "replace";
}

/** Checks that `dir` can hold a report: an existing directory (or creatable), whose files are not directories. */
export function checkOutputDir(dir: string, flag: string, files: readonly string[]): void {
  const what = `${flag} ${JSON.stringify(dir)}`;
  if (dir === "") throw new UsageError(`${flag}: empty path`);
  const st = lstatOrUndefined(dir);
  if (st === null) throw new UsageError(`${what}: a parent is not a directory`);
  if (st === undefined) {
    checkCreatable(join(dir, "x"), what);
    return;
  }
  let real: string;
  try {
    real = realpathSync(dir);
  } catch (e) {
    throw new UsageError(`${what}: cannot resolve (${code(e)})`);
  }
  if (isPseudo(real)) throw new UsageError(`${what}: refusing to write under ${real.split("/").slice(0, 2).join("/")}`);
  if (!statSync(real).isDirectory()) throw new UsageError(`${what}: is not a directory`);
  try {
    accessSync(real, constants.W_OK);
  } catch (e) {
    throw new UsageError(`${what}: not writable (${code(e)})`);
  }
  for (const f of files) {
    const fst = lstatOrUndefined(join(dir, f));
    if (fst && !fst.isFile()) throw new UsageError(`${what}: ${join(dir, f)} exists and is not a regular file`);
  }
}

/** Writes a file whole or not at all (see the top of this file). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  if (checkOutputFile(path, "output") === "through") {
    writeFileSync(path, data);
    return;
  }
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tmpName(dirname(path), basename(path));
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Writes a directory of files as a unit: `fill` writes into a staging directory, which then becomes
 * `dir` (renamed whole if `dir` did not exist; otherwise its files are moved in, `last` last, and the
 * files in `owned` that this run did not write are removed, so a reused directory keeps no stale file).
 * Interrupted or failed, it leaves `dir` as it was and no staging directory.
 */
export function writeDirAtomic(
  dir: string,
  fill: (staging: string) => void,
  owned: readonly string[],
  last = "index.html",
): void {
  checkOutputDir(dir, "output", owned);
  const exists = lstatOrUndefined(dir) !== undefined;
  if (!exists) mkdirSync(dirname(resolve(dir)), { recursive: true });
  const staging = exists ? tmpName(dir, "etcdsim") : tmpName(dirname(resolve(dir)), basename(resolve(dir)));
  try {
    mkdirSync(staging);
    fill(staging);
    if (!exists) {
      renameSync(staging, dir);
      return;
    }
    const written = readdirSync(staging).sort((a, b) => Number(a === last) - Number(b === last));
    for (const f of written) renameSync(join(staging, f), join(dir, f));
    for (const f of owned) if (!written.includes(f)) rmSync(join(dir, f), { force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** JSON Lines: one compact object per line. */
export function jsonl(rows: readonly unknown[]): string {
  let s = "";
  for (const r of rows) s += JSON.stringify(r) + "\n";
  return s;
}

// The prepared etcd model operations, read by index (what the guess in witness.ts reads).
//
// A short history's are an array of objects (ArrayTable). A long recorded history's are columns
// (ColumnTable): call and return times, client, request id and flags per operation, plus where to
// read the rest. Its recorded history is a view that rebuilds an operation each time one is read
// (core/etcd/client.ts), so a successful operation's request and response are read back through a
// window of recently rebuilt operations when the model needs them, and its model operation is built
// when read: about 33 bytes per operation instead of three objects and two boxed times (~200 bytes).
// The others (unknown outcomes, definite errors, lease expiries: a few percent, tried again and
// again wherever they may fit) keep their objects.

import type { EtcdOperation } from "../../../../core/history.ts";
import type { EtcdErrorCode, EtcdRequest, EtcdResponse } from "../../../../core/mvcc/rpc.ts";
import type { EtcdInput, EtcdModelOperation, EtcdOutput } from "./model.ts";

/** The prepared operations by index: indices are what the guess and the search name. */
export interface EtcdOperationTable {
  readonly length: number;
  /** Call times by index. */
  readonly calls: Float64Array;
  /** Return times by index (Infinity: unknown outcome). */
  readonly returns: Float64Array;
  /**
   * Operation i. A long history's may be built when read: reads of one index give equal objects,
   * not always the same one (read them, don't keep them).
   */
  at(i: number): EtcdModelOperation;
  /** The recorded id of operation i's request (-1 for a lease expiry). */
  idOf(i: number): number;
}

/** The operations as an array of objects, read in place. */
export class ArrayTable implements EtcdOperationTable {
  readonly length: number;
  readonly calls: Float64Array;
  readonly returns: Float64Array;

  constructor(private readonly operations: readonly EtcdModelOperation[]) {
    const n = (this.length = operations.length);
    this.calls = new Float64Array(n);
    this.returns = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const op = operations[i]!;
      this.calls[i] = op.call;
      this.returns[i] = op.return;
    }
  }

  at(i: number): EtcdModelOperation {
    return this.operations[i]!;
  }

  idOf(i: number): number {
    const input = this.operations[i]?.input;
    return input?.kind === "request" ? input.id : -1;
  }
}

/**
 * Operations a window keeps rebuilt (a power of two). The guess steps operations a few at a time
 * near its place in the history; a larger window misses no less often (measured on a 1-hour run) and
 * keeps its objects long enough to move them to the old generation, which the heap then grows by.
 */
const WINDOW = 1_024;

/**
 * A history read by position, keeping the last operations read at each slot (direct-mapped): reads
 * near each other cost one rebuild each. Different reads of one operation may give different, equal
 * objects; the checker only reads them.
 */
export class OperationWindow {
  private readonly at = new Int32Array(WINDOW).fill(-1);
  private readonly ops: (EtcdOperation | undefined)[] = new Array(WINDOW);

  constructor(private readonly history: readonly EtcdOperation[]) {}

  get(i: number): EtcdOperation {
    const slot = i & (WINDOW - 1);
    if (this.at[slot] === i) return this.ops[slot]!;
    const op = this.history[i]!;
    this.at[slot] = i;
    this.ops[slot] = op;
    return op;
  }
}

/**
 * A request the model reads from the window when it needs it. What is the same for all (its kind)
 * is on the prototype, not in each.
 */
export class WindowedInput {
  declare readonly kind: "request";
  constructor(
    readonly id: number,
    readonly serializable: boolean,
    readonly readOnly: boolean,
    private readonly window: OperationWindow,
    private readonly position: number,
  ) {}

  /** The recorded operation (rebuilt by the window if it was not read lately). */
  recorded(): EtcdOperation {
    return this.window.get(this.position);
  }

  get request(): EtcdRequest {
    return this.recorded().request;
  }

  /** The same JSON as the plain input (the search keys equal operations by it). */
  toJSON(): EtcdInput {
    const { id, request, serializable, readOnly } = this;
    return { kind: "request", id, request, serializable, readOnly };
  }
}
Object.defineProperty(WindowedInput.prototype, "kind", { value: "request", enumerable: true });

/**
 * A successful outcome whose response is read from the window when needed, through its operation's
 * input (which knows where); `unknown` and `error`, the same for all, are on the prototype.
 */
export class WindowedOutput {
  declare readonly unknown: false;
  declare readonly error: null;
  constructor(private readonly input: WindowedInput) {}

  get response(): EtcdResponse {
    return this.input.recorded().response!;
  }

  toJSON(): EtcdOutput {
    return { unknown: false, response: this.response, error: null };
  }
}
Object.defineProperty(WindowedOutput.prototype, "unknown", { value: false, enumerable: true });
Object.defineProperty(WindowedOutput.prototype, "error", { value: null, enumerable: true });

/** Flags of a ColumnTable row; bits 3 and up of a definite error's: its code's place in ERRORS, plus one. */
const KEPT = 1; // the operation is an object in `kept` (position: its index there)
const SERIALIZABLE = 2;
const READ_ONLY = 4;
const ERROR_SHIFT = 3;

/** The definite errors a ColumnTable row may name (prepare.ts checks these; anything else is kept as an object). */
const ERRORS: readonly EtcdErrorCode[] = [
  "compacted",
  "future-revision",
  "key-not-found",
  "lease-not-found",
  "lease-exists",
];

/** Model operations a ColumnTable keeps built (a power of two): the guess reads each a few times, close together. */
const BUILT = 1_024;

/**
 * Operations as columns: a successful one or a definite error read through the window (position:
 * its index in the recorded history), any other kept as its object. Built by ColumnTableBuilder.
 */
export class ColumnTable implements EtcdOperationTable {
  readonly length: number;
  private readonly builtAt = new Int32Array(BUILT).fill(-1);
  private readonly built: (EtcdModelOperation | undefined)[] = new Array(BUILT);

  constructor(
    readonly calls: Float64Array,
    readonly returns: Float64Array,
    private readonly clients: Int32Array,
    private readonly ids: Int32Array,
    private readonly positions: Int32Array,
    private readonly flags: Uint8Array,
    private readonly kept: readonly EtcdModelOperation[],
    private readonly window: OperationWindow,
  ) {
    this.length = calls.length;
  }

  at(i: number): EtcdModelOperation {
    if (this.flags[i]! & KEPT) return this.kept[this.positions[i]!]!;
    const slot = i & (BUILT - 1);
    if (this.builtAt[slot] === i) return this.built[slot]!;
    const op = this.build(i);
    this.builtAt[slot] = i;
    this.built[slot] = op;
    return op;
  }

  idOf(i: number): number {
    if (this.flags[i]! & KEPT) {
      const input = this.kept[this.positions[i]!]!.input;
      return input.kind === "request" ? input.id : -1;
    }
    return this.ids[i]!;
  }

  /** Every operation as an object, as the search takes them (a fresh array: one object per index). */
  materialize(): EtcdModelOperation[] {
    const out: EtcdModelOperation[] = new Array(this.length);
    for (let i = 0; i < this.length; i++)
      out[i] = this.flags[i]! & KEPT ? this.kept[this.positions[i]!]! : this.build(i);
    return out;
  }

  /** A windowed operation's model operation, with the fields in the order a plain one has them. */
  private build(i: number): EtcdModelOperation {
    const f = this.flags[i]!;
    const input = new WindowedInput(
      this.ids[i]!,
      (f & SERIALIZABLE) !== 0,
      (f & READ_ONLY) !== 0,
      this.window,
      this.positions[i]!,
    );
    const error = f >>> ERROR_SHIFT;
    return {
      clientId: this.clients[i]!,
      call: this.calls[i]!,
      return: this.returns[i]!,
      input,
      output: error === 0 ? new WindowedOutput(input) : { unknown: false, response: null, error: ERRORS[error - 1]! },
    };
  }
}

/** Whether a number is stored exactly in an Int32Array. */
const isInt32 = (x: number): boolean => (x | 0) === x && !Object.is(x, -0);

/** Collects exactly `size` operations in order (prepare.ts lists them in call order), then gives the table (finish). */
export class ColumnTableBuilder {
  private n = 0;
  private readonly calls: Float64Array;
  private readonly returns: Float64Array;
  private readonly clients: Int32Array;
  private readonly ids: Int32Array;
  private readonly positions: Int32Array;
  private readonly flags: Uint8Array;
  private readonly kept: EtcdModelOperation[] = [];

  constructor(
    private readonly size: number,
    private readonly window: OperationWindow,
  ) {
    this.calls = new Float64Array(size);
    this.returns = new Float64Array(size);
    this.clients = new Int32Array(size);
    this.ids = new Int32Array(size);
    this.positions = new Int32Array(size);
    this.flags = new Uint8Array(size);
  }

  /** How many operations are listed so far. */
  get length(): number {
    return this.n;
  }

  /** A successful operation, read back through the window at `position` (recorded operation `op`). */
  pushSuccess(op: EtcdOperation, position: number, serializable: boolean, readOnly: boolean): void {
    this.pushWindowed(op, position, serializable, readOnly, null);
  }

  /** A definite error (`error`, one the model checks), its request read back through the window. */
  pushError(op: EtcdOperation, position: number, serializable: boolean, readOnly: boolean, error: EtcdErrorCode): void {
    this.pushWindowed(op, position, serializable, readOnly, error);
  }

  /**
   * An operation read through the window. One whose client or id is not a 32-bit integer, or whose
   * error is not in ERRORS, is kept as an object instead (the one the table would build).
   */
  private pushWindowed(
    op: EtcdOperation,
    position: number,
    serializable: boolean,
    readOnly: boolean,
    error: EtcdErrorCode | null,
  ): void {
    const code = error === null ? 0 : ERRORS.indexOf(error) + 1;
    if (!isInt32(op.client) || !isInt32(op.id) || (error !== null && code === 0)) {
      const input = new WindowedInput(op.id, serializable, readOnly, this.window, position);
      this.pushKept({
        clientId: op.client,
        call: op.call,
        return: op.return!,
        input,
        output: error === null ? new WindowedOutput(input) : { unknown: false, response: null, error },
      });
      return;
    }
    const k = this.n++;
    this.calls[k] = op.call;
    this.returns[k] = op.return!;
    this.clients[k] = op.client;
    this.ids[k] = op.id;
    this.positions[k] = position;
    this.flags[k] = (serializable ? SERIALIZABLE : 0) | (readOnly ? READ_ONLY : 0) | (code << ERROR_SHIFT);
  }

  /** Any other operation, kept as it is. */
  pushKept(o: EtcdModelOperation): void {
    const k = this.n++;
    this.calls[k] = o.call;
    this.returns[k] = o.return;
    this.clients[k] = 0;
    this.ids[k] = 0;
    this.positions[k] = this.kept.length;
    this.flags[k] = KEPT;
    this.kept.push(o);
  }

  /** Operation k, a kept one (an unknown write: prepare bounds its return). */
  keptAt(k: number): EtcdModelOperation {
    return this.kept[this.positions[k]!]!;
  }

  /** Sets a kept operation's return (its object's and its column's). */
  setReturn(k: number, t: number): void {
    this.keptAt(k).return = t;
    this.returns[k] = t;
  }

  /** The table, once every operation is listed. */
  finish(): ColumnTable {
    if (this.n !== this.size) throw new Error(`${this.n} operations listed, ${this.size} expected`);
    const { calls, returns, clients, ids, positions, flags, kept, window } = this;
    return new ColumnTable(calls, returns, clients, ids, positions, flags, kept, window);
  }
}

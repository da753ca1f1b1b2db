// The controller side of the API: requests with a timeout (an unanswered write's outcome is unknown,
// so callers retry idempotently), failover between apiservers, and watch streams made reliable over
// the lossy network by numbered frames — a gap that does not fill, or a silent stream, is reported
// as a broken stream and the caller re-watches from its last revision.
import type { BugSet } from "../bugs.ts";
import type { Env, TimerId } from "../env.ts";
import {
  fail,
  status,
  type ApiRequest,
  type ApiResult,
  type ListResult,
  type KubeMessage,
  type KubeWatchFrameMsg,
  type Preconditions,
  type WatchEvent,
} from "./api.ts";
import { kubeProbe } from "./probes.ts";
import type { Kind, KubeObject, ObjectOf, PropagationPolicy } from "./types.ts";

export interface ClientTiming {
  requestTimeoutUs: number;
  /** A missing frame not filled within this is a broken stream. */
  watchGapTimeoutUs: number;
  /** A stream silent (not even heartbeats) for this long is a broken stream. */
  watchIdleTimeoutUs: number;
}

export const DEFAULT_CLIENT_TIMING: ClientTiming = {
  requestTimeoutUs: 300_000,
  watchGapTimeoutUs: 50_000,
  watchIdleTimeoutUs: 400_000,
};

export interface ClientWatch {
  stop(): void;
}

type Expiry = { kind: "silent" | "gap"; text: string };

interface Pending {
  cb: (r: ApiResult<unknown>) => void;
  timer: TimerId;
}

interface OpenWatch {
  id: string;
  apiserver: string;
  expected: number;
  buffer: Map<number, KubeWatchFrameMsg>;
  lastHeard: number;
  gapSince: number | undefined;
  onEvent: (e: WatchEvent) => void;
  closed: boolean;
}

const NONE_EXPIRED: readonly [OpenWatch, Expiry][] = Object.freeze([]);

export class KubeClient {
  private readonly nonce: string;
  private n = 0;
  private current: number;
  private readonly pending = new Map<string, Pending>();
  private readonly watches = new Map<string, OpenWatch>();
  private checkTimer: TimerId | undefined;
  readonly timing: ClientTiming;
  /** How long a watch has been silent is measured on this clock (monotonic, as Go's time.Since is). */
  private watchClock = (): number => this.env.monotonic();

  constructor(
    private readonly env: Env,
    private readonly apiservers: readonly string[],
    timing: Partial<ClientTiming> = {},
    bugs?: BugSet,
  ) {
    if (apiservers.length === 0) throw new Error("a client needs at least one apiserver");
    // MUTANT kube-client-watch-wall-clock: a watch's silence is timed on the wall clock, which steps.
    if (bugs?.has("kube-client-watch-wall-clock") === true) this.watchClock = () => this.env.now();
    this.timing = { ...DEFAULT_CLIENT_TIMING, ...timing };
    const rng = env.rng.fork("kube-client");
    this.nonce = rng.uint32().toString(36);
    this.current = rng.int(0, apiservers.length - 1);
  }

  /** The apiserver requests currently go to. */
  get apiserver(): string {
    return this.apiservers[this.current]!;
  }

  private failover(): void {
    this.current = (this.current + 1) % this.apiservers.length;
  }

  /** Feeds a message to the client; false if it is not one of the client's. */
  onMessage(from: string, raw: unknown): boolean {
    const m = raw as KubeMessage;
    if (m?.type === "kube-resp") {
      const p = this.pending.get(m.id);
      if (p === undefined) return true; // late or duplicated
      this.pending.delete(m.id);
      this.env.cancelTimer(p.timer);
      p.cb(m.result);
      return true;
    }
    if (m?.type === "kube-watch-ev") {
      const w = this.watches.get(m.watchId);
      if (w === undefined || w.closed || w.apiserver !== from) {
        // A stream this incarnation does not know (or no longer wants): tell the apiserver to stop it.
        if (w === undefined || w.closed)
          this.env.send(from, { type: "kube-watch-cancel", watchId: m.watchId } satisfies KubeMessage);
        return true;
      }
      this.frame(w, m);
      return true;
    }
    return false;
  }

  request(req: ApiRequest, cb: (r: ApiResult<unknown>) => void): void {
    const id = `${this.nonce}:${++this.n}`;
    const to = this.apiserver;
    const timer = this.env.setTimer(this.timing.requestTimeoutUs, () => {
      if (!this.pending.delete(id)) return;
      kubeProbe("kube.client-request-timeout");
      this.failover();
      const write = req.verb !== "get" && req.verb !== "list";
      cb(fail("Timeout", `${req.verb} timed out after ${this.timing.requestTimeoutUs}us at ${to}`, write));
    });
    this.pending.set(id, { cb, timer });
    this.env.send(to, { type: "kube-req", id, req } satisfies KubeMessage);
  }

  get<K extends Kind>(
    kind: K,
    namespace: string | undefined,
    name: string,
    cb: (r: ApiResult<ObjectOf<K>>) => void,
  ): void {
    this.request(
      { verb: "get", kind, name, ...(namespace ? { namespace } : {}) },
      cb as (r: ApiResult<unknown>) => void,
    );
  }
  list(
    kind: Kind,
    opts: { namespace?: string; limit?: number; continue?: string; resourceVersion?: string },
    cb: (r: ApiResult<ListResult>) => void,
  ): void {
    this.request({ verb: "list", kind, ...opts }, cb as (r: ApiResult<unknown>) => void);
  }
  create<T extends KubeObject>(object: T, cb: (r: ApiResult<T>) => void): void {
    this.request({ verb: "create", object }, cb as (r: ApiResult<unknown>) => void);
  }
  /** Replaces the object if its resourceVersion is still current (CAS). */
  update<T extends KubeObject>(object: T, cb: (r: ApiResult<T>) => void): void {
    this.request({ verb: "update", object }, cb as (r: ApiResult<unknown>) => void);
  }
  updateStatus<T extends KubeObject>(object: T, cb: (r: ApiResult<T>) => void): void {
    this.request({ verb: "update", object, subresource: "status" }, cb as (r: ApiResult<unknown>) => void);
  }
  patch<K extends Kind>(
    kind: K,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    cb: (r: ApiResult<ObjectOf<K>>) => void,
    subresource?: "status",
  ): void {
    this.request(
      {
        verb: "patch",
        kind,
        name,
        patch,
        ...(namespace ? { namespace } : {}),
        ...(subresource ? { subresource } : {}),
      },
      cb as (r: ApiResult<unknown>) => void,
    );
  }
  delete<K extends Kind>(
    kind: K,
    namespace: string | undefined,
    name: string,
    preconditions: Preconditions,
    cb: (r: ApiResult<ObjectOf<K>>) => void,
    gracePeriodSeconds?: number,
    propagationPolicy?: PropagationPolicy,
  ): void {
    this.request(
      {
        verb: "delete",
        kind,
        name,
        preconditions,
        ...(namespace ? { namespace } : {}),
        ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
        ...(propagationPolicy !== undefined ? { propagationPolicy } : {}),
      },
      cb as (r: ApiResult<unknown>) => void,
    );
  }

  /** Watches a kind for changes after resourceVersion. The stream ends with exactly one ERROR event (unless stopped). */
  watch(
    kind: Kind,
    namespace: string | undefined,
    resourceVersion: number,
    onEvent: (e: WatchEvent) => void,
  ): ClientWatch {
    const id = `${this.nonce}:w${++this.n}`;
    const w: OpenWatch = {
      id,
      apiserver: this.apiserver,
      expected: 1,
      buffer: new Map(),
      lastHeard: this.watchClock(),
      gapSince: undefined,
      onEvent,
      closed: false,
    };
    this.watches.set(id, w);
    this.env.send(w.apiserver, {
      type: "kube-watch",
      watchId: id,
      kind,
      resourceVersion,
      ...(namespace ? { namespace } : {}),
    } satisfies KubeMessage);
    this.ensureChecking();
    return { stop: () => this.close(w, undefined) };
  }

  private frame(w: OpenWatch, f: KubeWatchFrameMsg): void {
    w.lastHeard = this.watchClock();
    if (f.heartbeat) {
      if (f.seq >= w.expected && w.gapSince === undefined) w.gapSince = this.watchClock(); // frames sent that never came
      return;
    }
    if (f.seq < w.expected) return; // duplicate
    if (f.seq === w.expected && w.buffer.size === 0) {
      // The usual frame: the next one, nothing buffered. What the loop below does with it, without
      // the buffer's set, get and delete (frames arrive only from the network, never while one is read).
      w.expected++;
      this.deliverFrame(w, f);
      w.gapSince = w.buffer.size > 0 ? (w.gapSince ?? this.watchClock()) : undefined;
      return;
    }
    w.buffer.set(f.seq, f);
    for (let next = w.buffer.get(w.expected); next !== undefined && !w.closed; next = w.buffer.get(w.expected)) {
      w.buffer.delete(w.expected);
      w.expected++;
      this.deliverFrame(w, next);
    }
    w.gapSince = w.buffer.size > 0 ? (w.gapSince ?? this.watchClock()) : undefined;
  }

  /** A frame's events to the watcher, in order; an ERROR closes the stream and ends the frame. */
  private deliverFrame(w: OpenWatch, f: KubeWatchFrameMsg): void {
    for (const e of f.events) {
      if (w.closed) break;
      if (e.type === "ERROR") {
        this.close(w, e);
        break;
      }
      w.onEvent(e);
    }
  }

  private close(w: OpenWatch, reason: Extract<WatchEvent, { type: "ERROR" }> | undefined): void {
    if (w.closed) return;
    w.closed = true;
    this.watches.delete(w.id);
    if (reason === undefined || reason.status.reason === "StreamBroken") {
      this.env.send(w.apiserver, { type: "kube-watch-cancel", watchId: w.id } satisfies KubeMessage);
    }
    if (reason !== undefined) w.onEvent(reason);
  }

  /** Open watches that are silent or have an unfilled gap (a shared empty array when none is: the usual answer). */
  private expired(): readonly [OpenWatch, Expiry][] {
    // Durations on the monotonic clock, as Go's time.Since measures them: a wall-clock step is not silence.
    const now = this.watchClock();
    let out: [OpenWatch, Expiry][] | undefined;
    for (const w of this.watches.values()) {
      if (w.closed) continue;
      if (now - w.lastHeard > this.timing.watchIdleTimeoutUs)
        (out ??= []).push([w, { kind: "silent", text: `silent for ${now - w.lastHeard}us` }]);
      else if (w.gapSince !== undefined && now - w.gapSince > this.timing.watchGapTimeoutUs)
        (out ??= []).push([w, { kind: "gap", text: `frame ${w.expected} lost` }]);
    }
    return out ?? NONE_EXPIRED;
  }

  private breakStream(w: OpenWatch, why: Expiry): void {
    if (w.closed) return;
    // A silent apiserver is probably down: the next watch and requests go to another one.
    if (why.kind === "silent" && w.apiserver === this.apiserver) this.failover();
    if (why.kind === "gap") kubeProbe("kube.watch-stream-gap");
    this.close(w, { type: "ERROR", status: status("StreamBroken", `watch ${w.id} at ${w.apiserver}: ${why.text}`) });
  }

  private ensureChecking(): void {
    if (this.checkTimer !== undefined) return;
    const period = Math.max(1, Math.floor(this.timing.watchGapTimeoutUs / 2));
    const check = () => {
      this.checkTimer = undefined;
      const suspects = this.expired();
      if (suspects.length > 0) {
        // Decide after the frames that queued up while this process was paused have been read: a
        // resumed process drains its sockets before it concludes a stream went silent.
        this.env.setTimer(0, () => {
          for (const [w, why] of this.expired()) if (suspects.some(([s]) => s === w)) this.breakStream(w, why);
        });
      }
      if (this.watches.size > 0) this.checkTimer = this.env.setTimer(period, check);
    };
    this.checkTimer = this.env.setTimer(period, check);
  }
}

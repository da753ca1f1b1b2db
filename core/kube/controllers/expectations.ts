// client-go's ControllerExpectations (pkg/controller/controller_utils.go), as the ReplicaSet
// controller uses them (its UID-tracking variant for deletions): before issuing creations or
// deletions for a ReplicaSet the controller records how many it expects; the informer's add and
// delete events lower the counts; while they are above zero the ReplicaSet is not synced again,
// so a cache that has not caught up with the controller's own writes cannot make it create or
// delete twice. A record older than the TTL counts as satisfied (an observation may be lost, e.g.
// a pod created and deleted while the informer relisted), as client-go's ExpectationsTimeout does.
// Age is measured on the process's monotonic clock, as Go's time.Since does.
import { kubeProbe } from "../probes.ts";

/** client-go: 5 minutes. Scaled to the simulated clusters, well inside their liveness bound. */
export const EXPECTATIONS_TIMEOUT_US = 5_000_000;

interface Expectation {
  add: number;
  del: number;
  /** Pod keys whose deletion is expected (UIDTrackingControllerExpectations). */
  deleting: Set<string>;
  /** Monotonic time the expectation was set. */
  timestamp: number;
}

export class ControllerExpectations {
  private readonly store = new Map<string, Expectation>();

  constructor(
    private readonly monotonic: () => number,
    readonly timeoutUs = EXPECTATIONS_TIMEOUT_US,
  ) {}

  /** SatisfiedExpectations: true when no record exists, every expected event was observed, or the record expired. */
  satisfied(key: string): boolean {
    const e = this.store.get(key);
    if (e === undefined) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    if (this.monotonic() - e.timestamp > this.timeoutUs) {
      kubeProbe("kube.expectations-expired");
      return true;
    }
    kubeProbe("kube.expectations-unsatisfied");
    return false;
  }

  /** ExpectCreations: replaces the record (only done when it was satisfied). */
  expectCreations(key: string, n: number): void {
    this.store.set(key, { add: n, del: 0, deleting: new Set(), timestamp: this.monotonic() });
  }

  /** ExpectDeletions (UID tracking): the pods, by key, whose deletion the controller will issue. */
  expectDeletions(key: string, podKeys: readonly string[]): void {
    this.store.set(key, { add: 0, del: podKeys.length, deleting: new Set(podKeys), timestamp: this.monotonic() });
  }

  /** CreationObserved: an informer add, or a creation that failed or was never sent. */
  creationObserved(key: string): void {
    const e = this.store.get(key);
    if (e !== undefined) e.add--;
  }

  /** DeletionObserved: lowers the count only for a pod whose deletion was expected, once. */
  deletionObserved(key: string, podKey: string): void {
    const e = this.store.get(key);
    if (e === undefined || !e.deleting.delete(podKey)) return;
    e.del--;
  }

  /** DeleteExpectations: the ReplicaSet is gone. */
  delete(key: string): void {
    this.store.delete(key);
  }

  /** The counts still expected (for tests and messages). */
  pending(key: string): { add: number; del: number } | undefined {
    const e = this.store.get(key);
    return e === undefined ? undefined : { add: e.add, del: e.del };
  }
}

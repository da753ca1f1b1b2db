// A process's local clock: virtual time plus an offset (skew jumps) plus drift in parts per million.
// Core code sees only this clock, so skew and drift faults change what leases and timeouts believe.

export class Clock {
  private offsetUs = 0;
  private driftPpm = 0;
  private driftSince = 0;
  /** Drift accumulated before the current drift rate was set. */
  private driftAccUs = 0;

  now(virtualUs: number): number {
    return (
      virtualUs + this.offsetUs + this.driftAccUs + Math.trunc(((virtualUs - this.driftSince) * this.driftPpm) / 1e6)
    );
  }

  /** Monotonic time: virtual time with drift but without skew jumps. */
  monotonic(virtualUs: number): number {
    return virtualUs + this.driftAccUs + Math.trunc(((virtualUs - this.driftSince) * this.driftPpm) / 1e6);
  }

  /** Virtual µs that pass while this clock advances by localUs (drift makes a fast clock's timers fire early). */
  toVirtual(localUs: number): number {
    if (this.driftPpm === 0) return localUs;
    return Math.max(0, Math.ceil((localUs * 1e6) / (1e6 + this.driftPpm)));
  }

  /** A jump of the wall clock (NTP step, VM migration). */
  skew(byUs: number): void {
    this.offsetUs += byUs;
  }

  setDrift(virtualUs: number, ppm: number): void {
    this.driftAccUs += Math.trunc(((virtualUs - this.driftSince) * this.driftPpm) / 1e6);
    this.driftSince = virtualUs;
    if (ppm <= -1e6) throw new RangeError(`drift ${ppm} ppm would stop the clock`);
    this.driftPpm = ppm;
  }

  /** Heal: the clock agrees with true time again from now on. */
  reset(virtualUs: number): void {
    // Keep the accumulated drift so the monotonic clock never jumps back; only stop drifting further.
    this.setDrift(virtualUs, 0);
    this.offsetUs = -this.driftAccUs;
  }

  get skewUs(): number {
    return this.offsetUs;
  }
  get drift(): number {
    return this.driftPpm;
  }
}

// etcd's alarm store (server/etcdserver/api/v3alarm): alarms are raised and disarmed through Raft, so
// every member applies the same activations in the same order; they live in the backend and survive a
// restart (here: in the member's Raft snapshot, and replayed from the log). An active NOSPACE alarm
// switches every member's applier to the capped one, which refuses Put, a Txn with puts and LeaseGrant.
import type { AlarmMember } from "./protocol.ts";

export class AlarmStore {
  private active: AlarmMember[] = [];

  /** True if a NOSPACE alarm is active (raised by any member). */
  get noSpace(): boolean {
    return this.active.length > 0;
  }

  list(): AlarmMember[] {
    return this.active.map((a) => ({ ...a }));
  }

  /** Returns true if this activation is new. */
  activate(member: string): boolean {
    if (this.active.some((a) => a.member === member)) return false;
    this.active.push({ member, alarm: "NOSPACE" });
    this.active.sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
    return true;
  }

  /** Returns true if an alarm was active and is now gone. */
  deactivate(member: string): boolean {
    const n = this.active.length;
    this.active = this.active.filter((a) => a.member !== member);
    return this.active.length !== n;
  }

  restore(alarms: readonly AlarmMember[] | undefined): void {
    this.active = (alarms ?? []).map((a) => ({ ...a }));
  }
}

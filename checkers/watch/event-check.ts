// One delivered event against the committed change at its revision and key: the change itself
// (committed), is_create, and prev_kv.
import type { Event, KeyValue } from "../../core/mvcc/rpc.ts";
import type { ChangeIndex } from "./change-index.ts";
import type { WatchReporter } from "./reporter.ts";

export interface EventContext {
  index: ChangeIndex;
  partial: boolean;
}

/**
 * One event of a stream, delivered in response number `response` at `time` (when the client received
 * it: prevKv may be omitted only if revision − 1 was compacted by then). Arguments rather than an object,
 * and a violation's location built only for a violation: this runs once per delivered event.
 */
export function checkEvent(
  ctx: EventContext,
  rep: WatchReporter,
  event: Event,
  /** How many events of its key and type the stream delivered before it in its revision. */
  nth: number,
  response: number,
  time: number,
  wantsPrevKv: boolean,
): void {
  // Messages are built only on a violation.
  const rev = event.kv.modRevision;
  const key = event.kv.key;

  if (!wantsPrevKv && event.prevKv !== undefined)
    rep.violate("prev-kv", rev, `${eventName(event)} carries prevKv, which the watch did not request`, {
      response,
      eventKey: key,
    });

  const truth = ctx.index.at(rev, key, event.type, nth) ?? ctx.index.at(rev, key);
  if (truth === undefined) {
    // A partial truth lacks writes whose outcome the clients never learnt: absence proves nothing.
    if (!ctx.partial)
      rep.violate(
        "committed",
        rev,
        `${eventName(event)} is not a committed change (no change of that key at that revision)`,
        { response, eventKey: key },
      );
    return;
  }
  if (truth.event.type !== event.type) {
    rep.violate("committed", rev, `${eventName(event)} delivered, but the committed change is a ${truth.event.type}`, {
      response,
      eventKey: key,
    });
    return;
  }

  let createChecked = false;
  if (event.type === "PUT" && truth.isCreate !== undefined) {
    createChecked = true;
    const isCreate = event.kv.createRevision === event.kv.modRevision;
    if (isCreate !== truth.isCreate) {
      rep.violate(
        "is-create",
        rev,
        `${eventName(event)} is ${isCreate ? "" : "not "}a create (createRevision ${event.kv.createRevision}), but the key ${truth.isCreate ? "was absent" : "existed"} at revision ${rev - 1}`,
        { response, eventKey: key },
      );
    }
  }
  const diff = kvDiff(event.kv, truth.event.kv, ctx.partial, createChecked);
  if (diff !== undefined)
    rep.violate("committed", rev, `${eventName(event)} differs from the committed change: ${diff}`, {
      response,
      eventKey: key,
    });

  if (!wantsPrevKv) return;
  const prior = truth.prior;
  if (event.prevKv === undefined) {
    if (prior.kind === "present" || prior.kind === "existed") {
      // Reading revision − 1 fails only once the compact revision is above it.
      rep.whenCompactedBy(time, (compacted) => {
        if (compacted < rev) {
          rep.violate(
            "prev-kv",
            rev,
            `${eventName(event)} omits prevKv, but revision ${rev - 1} was not compacted (compact revision ${compacted} by then)`,
            { response, eventKey: key },
          );
        }
      });
    }
    return;
  }
  switch (prior.kind) {
    case "absent":
      rep.violate(
        "prev-kv",
        rev,
        `${eventName(event)} carries prevKv, but the key did not exist at revision ${rev - 1}`,
        { response, eventKey: key },
      );
      return;
    case "present": {
      const d2 = kvDiff(event.prevKv, prior.kv, ctx.partial, false);
      if (d2 !== undefined)
        rep.violate("prev-kv", rev, `${eventName(event)} prevKv is not the pair at revision ${rev - 1}: ${d2}`, {
          response,
          eventKey: key,
        });
      return;
    }
    case "existed":
      if (event.prevKv.key !== key || event.prevKv.modRevision >= rev) {
        rep.violate(
          "prev-kv",
          rev,
          `${eventName(event)} prevKv (key ${JSON.stringify(event.prevKv.key)}, modRevision ${event.prevKv.modRevision}) cannot be the pair at revision ${rev - 1}`,
          { response, eventKey: key },
        );
      }
      return;
    case "unknown":
      return;
  }
}

export function eventName(event: Event): string {
  return `${event.type} ${JSON.stringify(event.kv.key)}`;
}

/**
 * The first field where `got` differs from `want`, or undefined. A partial truth knows keys, revisions
 * and values; createRevision and version only when non-zero; never leases.
 */
export function kvDiff(
  got: KeyValue,
  want: KeyValue,
  partial: boolean,
  skipCreateRevision: boolean,
): string | undefined {
  if (got.key !== want.key) return `key ${JSON.stringify(got.key)}, want ${JSON.stringify(want.key)}`;
  if (got.modRevision !== want.modRevision) return `modRevision ${got.modRevision}, want ${want.modRevision}`;
  if (got.value !== want.value) return `value ${JSON.stringify(got.value)}, want ${JSON.stringify(want.value)}`;
  // A partial truth marks an unknown createRevision or version with 0.
  if (!skipCreateRevision && (!partial || want.createRevision !== 0) && got.createRevision !== want.createRevision) {
    return `createRevision ${got.createRevision}, want ${want.createRevision}`;
  }
  if ((!partial || want.version !== 0) && got.version !== want.version)
    return `version ${got.version}, want ${want.version}`;
  if (!partial && got.lease !== want.lease) return `lease ${got.lease}, want ${want.lease}`;
  return undefined;
}

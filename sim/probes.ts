// Code probes of the simulator (core/probes.ts): rare paths of the world itself that a sweep should
// reach, so a run that never delays a message past a round or never restarts into stale traffic shows.
import type { ProbeCatalog } from "../core/probes.ts";

export const SIM_PROBES = {
  "sim.stale-incarnation-dropped": {
    what: "a message addressed to an earlier incarnation of a restarted process was dropped (its TCP stream was reset)",
    required: true,
  },
  "sim.message-delayed-long": {
    what: "a heavy-tail delay held a message for more than an eighth of its maximum (typically several election timeouts)",
    required: true,
  },
  "sim.swizzle-released": {
    what: "a swizzle clog released its last link (links released in reverse order of stopping)",
    required: true,
  },
  "sim.clog-held-message": { what: "a clogged link held a message until the clog ended" },
  "sim.corrupt-tail-truncated": {
    what: "recovery truncated a log file at a record a crash left corrupt (torn tail)",
    required: true,
  },
  "sim.torn-write-on-crash": { what: "a crash kept only a prefix of the writes not yet durable" },
  "sim.held-message-dropped-on-crash": {
    what: "a message held at a paused process was dropped because the process crashed before resuming",
  },
} as const satisfies ProbeCatalog;

// Field builders for the scenario-file schema: every bound a user may hit is here, once, with its unit,
// so validation and the README's option table come from one definition (zod).
import { z } from "zod";

/** The longest virtual time any field may name: 10 simulated minutes. Longer runs are a typo, not a test. */
export const MAX_US = 600_000_000;
/** Clock skews and drifts stay within an hour either way. */
export const MAX_SKEW_US = 3_600_000_000;

/** Integer microseconds in [min, max]. */
export const us = (min: number, max = MAX_US) => z.number().min(min).max(max).int().meta({ unit: "µs" });

/** A count (members, clients, ticks…) in [min, max]. */
export const count = (min: number, max: number) => z.number().min(min).max(max).int();

/** A probability. */
export const prob = () => z.number().min(0).max(1).meta({ unit: "probability" });

/** A relative weight: only its share of the total matters. */
export const weight = () => z.number().min(0).max(1_000_000).int().meta({ unit: "weight" });

/** A process name ("n1", "apiserver-2") or a symbolic target ("@leader", "@leader=L", "@L"); checked against the run's processes later. */
export const proc = () => z.string().min(1).max(100);
export const procs = () => z.array(proc()).max(64);

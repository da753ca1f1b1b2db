// Kubernetes resource quantities ("100m", "2", "64Mi", "1Gi"), reduced to what quota admission needs:
// exact integers in milli-units, so sums and comparisons never round.
const SUFFIX: Record<string, number> = {
  m: 1,
  "": 1000,
  k: 1e3 * 1000,
  M: 1e6 * 1000,
  G: 1e9 * 1000,
  Ki: 1024 * 1000,
  Mi: 1024 ** 2 * 1000,
  Gi: 1024 ** 3 * 1000,
};

/** The quantity in milli-units ("100m" → 100, "1" → 1000, "64Mi" → 67108864000), or undefined if malformed. */
export function parseQuantity(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === "number") return Number.isInteger(q) && q >= 0 ? q * 1000 : undefined;
  // A pure function of the string, asked for the same few strings over and over (every pod's requests).
  const known = parsedQuantities.get(q);
  if (known !== undefined) return known === MALFORMED ? undefined : known;
  const m = /^([0-9]+)(m|k|M|G|Ki|Mi|Gi)?$/.exec(q);
  const milli = m === null ? undefined : Number(m[1]) * SUFFIX[m[2] ?? ""]!;
  if (parsedQuantities.size < 1024) parsedQuantities.set(q, milli ?? MALFORMED);
  return milli;
}

/** parseQuantity's answers by string (bounded: beyond it strings are parsed each time). */
const parsedQuantities = new Map<string, number>();
const MALFORMED = -1; // never an answer: a parsed quantity is a non-negative number

/** Milli-units back to a quantity string: whole units plainly ("5"), else in milli ("1500m"). */
export function formatQuantity(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

// FNV-1a, the one string hash the core and the checkers share (names, fingerprints; not for security).

/** FNV-1a over the UTF-16 code units of s, as an unsigned 32-bit integer. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// Short deterministic hashes: the Deployment controller's pod-template-hash and generated names.
import { fnv1a } from "../fnv.ts";
import { canonicalJson } from "./resources.ts";

// Kubernetes' SafeEncodeString alphabet: no vowels, no digits that read as letters.
const ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function safeEncode(n: number, length: number): string {
  let out = "";
  let x = n >>> 0;
  for (let i = 0; i < length; i++) {
    out += ALPHABET[x % ALPHABET.length];
    x = Math.floor(x / ALPHABET.length);
    if (x === 0) x = fnv1a(out);
  }
  return out;
}

/** The pod-template-hash label value of a template: equal templates give equal hashes. */
export function templateHash(template: unknown): string {
  return safeEncode(fnv1a(canonicalJson(template)), 10);
}

// A cache of values computed from objects that are never mutated, for the recently seen objects only: two
// generations of at most `generation` keys each; when the young one fills it becomes the old one and the
// oldest is dropped. A key looked up again after it left is computed afresh, with the same value (the key
// is never mutated), so what the cache holds never changes an answer, and a long run keeps no entry for
// every object it ever saw (as a WeakMap would, while the objects live in a history).
export class RecentCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();

  constructor(readonly generation: number) {}

  get(key: K): V | undefined {
    const v = this.young.get(key);
    return v !== undefined ? v : this.old.get(key);
  }

  set(key: K, value: V): void {
    if (this.young.size >= this.generation) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }

  /** Keys held now: at most 2 × generation. */
  get size(): number {
    return this.young.size + this.old.size;
  }
}

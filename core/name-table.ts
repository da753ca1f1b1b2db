// Strings stored as small numbers in compact columns (member names, request kinds, repeated history
// strings): each distinct string gets the next number, once, and reads back by it.
export class NameTable {
  private readonly names: string[] = [];
  private readonly numbers = new Map<string, number>();

  /** The string's number, given the next one on its first sight. */
  number(name: string): number {
    let n = this.numbers.get(name);
    if (n === undefined) {
      n = this.names.push(name) - 1;
      this.numbers.set(name, n);
    }
    return n;
  }

  /** The string numbered n (undefined for a number never given). */
  name(n: number): string | undefined {
    return this.names[n];
  }

  get size(): number {
    return this.names.length;
  }
}

/** Every stored object carries the insertion counter of its collection; cursor paging is keyed on it. */
export interface Stored {
  id: string;
  seq: number;
}

/**
 * An insertion-ordered table. `seq` grows monotonically and is never reused, so a cursor ("everything after
 * seq N") neither skips nor repeats items when others are inserted or deleted while a client is paging.
 */
export class Collection<T extends Stored> {
  private readonly byId = new Map<string, T>();
  private ordered: T[] = [];
  private nextSeq = 1;

  constructor(readonly name: string) {}

  get size(): number {
    return this.byId.size;
  }

  insert(item: Omit<T, "seq">): T {
    if (this.byId.has(item.id)) throw new Error(`${this.name}: duplicate id ${item.id}`);
    // Callers pass fresh objects, so tagging the item itself avoids copying thousands of seed records.
    const stored = Object.assign(item, { seq: this.nextSeq++ }) as T;
    this.byId.set(stored.id, stored);
    this.ordered.push(stored);
    return stored;
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** All items in insertion (seq) order. Do not mutate the array; mutate items in place if needed. */
  all(): readonly T[] {
    return this.ordered;
  }

  /** Map-like iteration in insertion order. */
  values(): IterableIterator<T> {
    return this.ordered.values();
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this.ordered.values();
  }

  where(predicate: (item: T) => boolean): T[] {
    return this.ordered.filter(predicate);
  }

  find(predicate: (item: T) => boolean): T | undefined {
    return this.ordered.find(predicate);
  }

  delete(id: string): boolean {
    if (!this.byId.delete(id)) return false;
    this.ordered = this.ordered.filter((item) => item.id !== id);
    return true;
  }
}

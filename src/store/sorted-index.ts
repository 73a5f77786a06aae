/**
 * One secondary index kept in memory: (index value, key) pairs in sorted order, so a query is a binary
 * search plus a walk over its hits rather than a scan of the collection. Inserts and removals shift an
 * array (memmove), which stays well under a millisecond at 100,000 entries.
 */
import { byIndexThenKey } from '../core/memory.js';
import type { IndexQuery } from '../core/ports.js';

type Pair = [value: string, key: string];

export class SortedIndex {
  private pairs: Pair[] = [];
  /** The value each key is indexed under now, to find its pair when the record changes. */
  private readonly valueOf = new Map<string, string>();
  /** While loading a file, pairs are sorted once at the end instead of inserted one by one. */
  private bulk = false;

  beginBulk(): void {
    this.bulk = true;
  }

  endBulk(): void {
    this.bulk = false;
    this.pairs = [...this.valueOf].map(([key, value]): Pair => [value, key]).sort(byIndexThenKey);
  }

  /** Lowest position whose pair is not below `p`. */
  private lowerBound(p: Pair): number {
    let lo = 0;
    let hi = this.pairs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (byIndexThenKey(this.pairs[mid]!, p) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Records that `key` is now indexed under `value` (undefined: not in this index). */
  set(key: string, value: string | undefined): void {
    const old = this.valueOf.get(key);
    if (old === value) return;
    if (this.bulk) {
      if (value === undefined) this.valueOf.delete(key);
      else this.valueOf.set(key, value);
      return;
    }
    if (old !== undefined) {
      this.pairs.splice(this.lowerBound([old, key]), 1);
      this.valueOf.delete(key);
    }
    if (value !== undefined) {
      this.pairs.splice(this.lowerBound([value, key]), 0, [value, key]);
      this.valueOf.set(key, value);
    }
  }

  /** Keys matching `q` in index order, then key order; `accept` filters (expired, leased) before the limit. */
  keys(q: IndexQuery, accept: (key: string) => boolean = () => true): string[] {
    const start = q.equals ?? q.from;
    const out: string[] = [];
    const limit = q.limit ?? Number.POSITIVE_INFINITY;
    for (let i = start === undefined ? 0 : this.lowerBound([start, '']); i < this.pairs.length && out.length < limit; i++) {
      const [value, key] = this.pairs[i]!;
      if (q.equals !== undefined && value !== q.equals) break;
      if (q.before !== undefined && value >= q.before) break;
      if (q.from !== undefined && value < q.from) continue;
      if (accept(key)) out.push(key);
    }
    return out;
  }
}

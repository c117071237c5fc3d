import type { RateLimitPolicy, RateLimitRule } from './policy-set';
import { compileTypePattern, patternSpecificity, type TypeMatcher } from './type-pattern';

export type RateLimitVerdict =
  | { readonly verdict: 'allow' }
  | { readonly verdict: 'delay'; readonly delayMs: number; readonly rule: RateLimitRule }
  | { readonly verdict: 'reject'; readonly rule: RateLimitRule };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const maxBuckets = 50_000;

/**
 * Token buckets per (source, type), under the most specific matching rule: an exact source beats
 * `*`, then the type pattern's specificity (exact beats wildcards). Each (source, type) pair has
 * its own bucket. Buckets of idle pairs are evicted (oldest first) past 50,000 pairs.
 * Per process: with N workers, partition INGEST by source (see ARCHITECTURE.md) to keep limits exact.
 */
export class RateLimiter {
  readonly #rules: { rule: RateLimitRule; matches: TypeMatcher; rank: number }[];
  readonly #buckets = new Map<string, Bucket>();
  readonly #ruleFor = new Map<string, RateLimitRule | null>();

  constructor(
    readonly policy: RateLimitPolicy,
    private readonly now: () => number = Date.now,
  ) {
    this.#rules = policy.rules
      .map((rule) => ({
        rule,
        matches: compileTypePattern(rule.type),
        rank: (rule.source === '*' ? 0 : 10_000) + patternSpecificity(rule.type),
      }))
      .sort((a, b) => b.rank - a.rank);
  }

  take(source: string, type: string): RateLimitVerdict {
    const key = `${source}\u0000${type}`;
    let rule = this.#ruleFor.get(key);
    if (rule === undefined) {
      rule =
        this.#rules.find(
          (r) => (r.rule.source === '*' || r.rule.source === source) && r.matches(type),
        )?.rule ?? null;
      if (this.#ruleFor.size > maxBuckets) this.#ruleFor.clear();
      this.#ruleFor.set(key, rule);
    }
    if (rule === null) return { verdict: 'allow' };
    const now = this.now();
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: rule.burst, updatedAt: now };
      if (this.#buckets.size >= maxBuckets) this.#evictOldest();
    } else {
      this.#buckets.delete(key); // re-insert below: Map order = least recently used first
      bucket.tokens = Math.min(
        rule.burst,
        bucket.tokens + ((now - bucket.updatedAt) / 1_000) * rule.perSecond,
      );
      bucket.updatedAt = now;
    }
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { verdict: 'allow' };
    }
    if (rule.action === 'reject') return { verdict: 'reject', rule };
    return { verdict: 'delay', delayMs: this.policy.delayMs, rule };
  }

  get size(): number {
    return this.#buckets.size;
  }

  #evictOldest(): void {
    const oldest = this.#buckets.keys().next();
    if (oldest.done !== true) this.#buckets.delete(oldest.value);
  }
}

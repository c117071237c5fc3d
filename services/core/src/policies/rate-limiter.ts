import type { RateLimitPolicy, RateLimitRule } from './policy-set';
import { compileTypePattern, patternSpecificity, type TypeMatcher } from './type-pattern';

export type RateLimitVerdict =
  | { readonly verdict: 'allow' }
  | { readonly verdict: 'delay'; readonly delayMs: number; readonly rule: RateLimitRule }
  | { readonly verdict: 'reject'; readonly rule: RateLimitRule };

export interface RateLimiterOptions {
  /** Hard cap on buckets kept; past it the least recently used bucket is dropped. Default 50,000. */
  readonly maxBuckets?: number;
  /** How often (clock ms) buckets that have refilled completely are swept away. Default 1,000. */
  readonly sweepIntervalMs?: number;
}

interface CompiledRule {
  readonly rule: RateLimitRule;
  readonly matches: TypeMatcher;
  readonly rank: number;
}

interface Bucket {
  readonly rule: RateLimitRule;
  tokens: number;
  updatedAt: number;
  /** Idle time after which the bucket is full again, so dropping it changes nothing. */
  readonly fullAfterMs: number;
}

/**
 * Token buckets per (source, type), each under the first matching rule in this order:
 *  1. rules naming the exact source before rules with source `*`;
 *  2. then by type: an exact type before patterns, patterns with more fixed tokens before fewer,
 *     `*` last (see `patternSpecificity`);
 *  3. ties keep file order (the loader refuses ties that overlap).
 * A bucket holds up to `burst` tokens and refills at `perSecond`; a message takes one token. Over
 * the limit the rule's action decides: `delay` (redeliver after `delayMs`, no token taken) or
 * `reject`. A pair that no rule matches is always allowed and keeps no state.
 *
 * Memory stays bounded: buckets idle long enough to be full again are swept (dropping them is
 * exact), and past `maxBuckets` the least recently used bucket is dropped (lenient: it restarts
 * full). Per process: with N workers, partition INGEST by source (`PLUMBLINE_INGEST_PARTITIONS`)
 * so that each source has one worker at a time, and limits stay exact.
 */
export class RateLimiter {
  readonly #rules: readonly CompiledRule[];
  readonly #now: () => number;
  readonly #maxBuckets: number;
  readonly #sweepIntervalMs: number;
  /** Least recently used first: a bucket is re-inserted on every take. */
  readonly #buckets = new Map<string, Bucket>();
  readonly #ruleFor = new Map<string, RateLimitRule | null>();
  #lastSweep: number;

  constructor(
    readonly policy: RateLimitPolicy,
    now: () => number = Date.now,
    options: RateLimiterOptions = {},
  ) {
    this.#now = now;
    this.#maxBuckets = options.maxBuckets ?? 50_000;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 1_000;
    this.#lastSweep = now();
    this.#rules = policy.rules
      .map((rule) => ({
        rule,
        matches: compileTypePattern(rule.type),
        rank: (rule.source === '*' ? 0 : 10_000) + patternSpecificity(rule.type),
      }))
      .sort((a, b) => b.rank - a.rank);
  }

  /** The rule that governs this pair, or undefined when none does. */
  ruleFor(source: string, type: string): RateLimitRule | undefined {
    return (
      this.#rules.find(
        (r) => (r.rule.source === '*' || r.rule.source === source) && r.matches(type),
      )?.rule ?? undefined
    );
  }

  take(source: string, type: string): RateLimitVerdict {
    const key = `${source}\u0000${type}`;
    let rule = this.#ruleFor.get(key);
    if (rule === undefined) {
      rule = this.ruleFor(source, type) ?? null;
      if (this.#ruleFor.size >= this.#maxBuckets) this.#ruleFor.clear();
      this.#ruleFor.set(key, rule);
    }
    if (rule === null) return { verdict: 'allow' };
    const now = this.#now();
    if (now - this.#lastSweep >= this.#sweepIntervalMs) this.#sweep(now);
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = {
        rule,
        tokens: rule.burst,
        updatedAt: now,
        fullAfterMs: (rule.burst / rule.perSecond) * 1_000,
      };
      if (this.#buckets.size >= this.#maxBuckets) this.#evictLeastRecentlyUsed();
    } else {
      this.#buckets.delete(key); // re-inserted below, at the most recently used end
      const elapsed = Math.max(0, now - bucket.updatedAt); // a clock going back refills nothing
      bucket.tokens = Math.min(rule.burst, bucket.tokens + (elapsed / 1_000) * rule.perSecond);
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

  /** Buckets currently held. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Drops buckets that have been idle long enough to be full: same answers, less memory. */
  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [key, bucket] of this.#buckets) {
      if (now - bucket.updatedAt >= bucket.fullAfterMs) this.#buckets.delete(key);
      // Entries are in last-use order: once one was used within the last interval, so were all
      // after it; stop there and leave any of those that are already full to a later pass.
      else if (now - bucket.updatedAt < this.#sweepIntervalMs) break;
    }
  }

  #evictLeastRecentlyUsed(): void {
    const oldest = this.#buckets.keys().next();
    if (oldest.done !== true) this.#buckets.delete(oldest.value);
  }
}

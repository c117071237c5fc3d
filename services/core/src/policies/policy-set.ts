/**
 * The policies in force, as one normalised value. Loaded from the YAML files in `policies/`
 * (each validated by its JSON Schema in `schemas/policies/`) and held in NATS KV so every worker
 * sees the same set and picks up a change without a restart.
 */

export interface SystemOfRecord {
  /** System id, as it appears in the envelope `source` and the subject `ingest.<source>.<type>`. */
  readonly source: string;
  readonly description?: string;
  /** Event types this system is the system of record for; `*` as a whole dot-separated token matches one token, a trailing `>` matches the rest. */
  readonly owns: readonly string[];
}

export interface OwnershipPolicy {
  readonly systems: readonly SystemOfRecord[];
  /** What to do with a type that no system owns. */
  readonly unowned: 'reject' | 'allow';
}

export type RateLimitAction = 'delay' | 'reject';

export interface RateLimitRule {
  /** System id or `*`. */
  readonly source: string;
  /** Event type pattern (same matching as ownership) or `*`. */
  readonly type: string;
  readonly perSecond: number;
  /** Bucket size; defaults to `perSecond`. */
  readonly burst: number;
  readonly action: RateLimitAction;
}

export interface RateLimitPolicy {
  readonly rules: readonly RateLimitRule[];
  /** Delay applied to a `delay` action before the message is redelivered. */
  readonly delayMs: number;
  /** After this many delays a message is dead-lettered as `rate_limited` instead of delayed again. */
  readonly maxDelays: number;
}

export interface PayloadPolicy {
  readonly maxBytes: number;
  readonly overrides: readonly { readonly type: string; readonly maxBytes: number }[];
}

export interface NamingPolicy {
  /** Regular expression every event type must match. */
  readonly typePattern: string;
  /** Regular expression every source system id must match. */
  readonly sourcePattern: string;
}

export interface PolicySet {
  readonly ownership: OwnershipPolicy;
  readonly rateLimits: RateLimitPolicy;
  readonly payload: PayloadPolicy;
  readonly naming: NamingPolicy;
}

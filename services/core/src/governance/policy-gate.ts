/**
 * The policy checks the governance engine asks, per message. Built from the PolicySet in force
 * (see `compilePolicyGate`); precompiled so every answer is a lookup, not a parse.
 */
export type RateVerdict =
  | { readonly verdict: 'allow' }
  | { readonly verdict: 'delay'; readonly delayMs: number }
  | { readonly verdict: 'reject'; readonly message: string };

export interface PolicyGate {
  /** A violation message, or undefined when the names are fine. */
  naming(source: string, type: string): string | undefined;
  /** A violation message, or undefined when `source` may publish `type`. */
  ownership(source: string, type: string): string | undefined;
  maxBytes(type: string): number;
  rate(source: string, type: string): RateVerdict;
  /** Delays a message may take before it is dead-lettered as rate_limited. */
  readonly maxDelays: number;
}

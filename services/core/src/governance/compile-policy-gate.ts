import { compileNaming } from '../policies/naming';
import { compileOwnership } from '../policies/ownership';
import { compilePayloadLimit } from '../policies/payload-size';
import type { PolicySet } from '../policies/policy-set';
import { RateLimiter } from '../policies/rate-limiter';
import type { PolicyGate } from './policy-gate';

/** Turns the policies in force into the per-message checks the governance engine asks. */
export function compilePolicyGate(policies: PolicySet, now: () => number = Date.now): PolicyGate {
  const naming = compileNaming(policies.naming);
  const ownership = compileOwnership(policies.ownership);
  const maxBytes = compilePayloadLimit(policies.payload);
  const limiter = new RateLimiter(policies.rateLimits, now);
  return {
    naming,
    ownership: (source, type) => {
      const verdict = ownership(source, type);
      return verdict.ok ? undefined : verdict.message;
    },
    maxBytes,
    rate: (source, type) => {
      const verdict = limiter.take(source, type);
      switch (verdict.verdict) {
        case 'allow':
          return verdict;
        case 'delay':
          return { verdict: 'delay', delayMs: verdict.delayMs };
        case 'reject':
          return {
            verdict: 'reject',
            message: `over the rate limit of ${verdict.rule.perSecond}/s for ${source}/${type} (rule ${verdict.rule.source} ${verdict.rule.type}, action reject)`,
          };
      }
    },
    maxDelays: policies.rateLimits.maxDelays,
  };
}

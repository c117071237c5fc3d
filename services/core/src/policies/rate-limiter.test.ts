import { describe, expect, it } from 'vitest';
import type { RateLimitPolicy } from './policy-set';
import { RateLimiter } from './rate-limiter';

const policy: RateLimitPolicy = {
  delayMs: 1_000,
  maxDelays: 10,
  rules: [
    { source: '*', type: '*', perSecond: 100, burst: 100, action: 'delay' },
    { source: 'fieldservice', type: '*', perSecond: 2, burst: 2, action: 'delay' },
    { source: 'crm', type: 'opportunity.won', perSecond: 1, burst: 1, action: 'reject' },
  ],
};

function limiter() {
  let now = 0;
  const rateLimiter = new RateLimiter(policy, () => now);
  return { rateLimiter, advance: (ms: number) => (now += ms) };
}

describe('rate limiter', () => {
  it('allows the burst, then delays with the policy delay', () => {
    const { rateLimiter } = limiter();
    expect(rateLimiter.take('fieldservice', 'work_order.completed').verdict).toBe('allow');
    expect(rateLimiter.take('fieldservice', 'work_order.completed').verdict).toBe('allow');
    expect(rateLimiter.take('fieldservice', 'work_order.completed')).toMatchObject({
      verdict: 'delay',
      delayMs: 1_000,
    });
  });

  it('refills at the sustained rate', () => {
    const { rateLimiter, advance } = limiter();
    rateLimiter.take('fieldservice', 'a.b');
    rateLimiter.take('fieldservice', 'a.b');
    expect(rateLimiter.take('fieldservice', 'a.b').verdict).toBe('delay');
    advance(500); // 2/s → one token back
    expect(rateLimiter.take('fieldservice', 'a.b').verdict).toBe('allow');
    expect(rateLimiter.take('fieldservice', 'a.b').verdict).toBe('delay');
  });

  it('rejects when the rule says reject, and uses the most specific rule', () => {
    const { rateLimiter } = limiter();
    expect(rateLimiter.take('crm', 'opportunity.won').verdict).toBe('allow');
    expect(rateLimiter.take('crm', 'opportunity.won').verdict).toBe('reject');
    // Another CRM type falls under the generous default.
    for (let i = 0; i < 50; i += 1)
      expect(rateLimiter.take('crm', 'lead.created').verdict).toBe('allow');
  });

  it('keeps a bucket per source and type', () => {
    const { rateLimiter } = limiter();
    rateLimiter.take('fieldservice', 'a.b');
    rateLimiter.take('fieldservice', 'a.b');
    expect(rateLimiter.take('fieldservice', 'a.c').verdict).toBe('allow');
  });

  it('allows everything when no rule matches', () => {
    const rateLimiter = new RateLimiter({ delayMs: 1, maxDelays: 1, rules: [] });
    expect(rateLimiter.take('x', 'y.z').verdict).toBe('allow');
    expect(rateLimiter.size).toBe(0);
  });
});

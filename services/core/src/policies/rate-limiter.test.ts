import { describe, expect, it } from 'vitest';
import type { RateLimitPolicy } from './policy-set';
import { RateLimiter, type RateLimiterOptions } from './rate-limiter';

const policy: RateLimitPolicy = {
  delayMs: 1_000,
  maxDelays: 10,
  rules: [
    { source: '*', type: '*', perSecond: 100, burst: 100, action: 'delay' },
    { source: 'fieldservice', type: '*', perSecond: 2, burst: 2, action: 'delay' },
    { source: 'crm', type: 'opportunity.won', perSecond: 1, burst: 1, action: 'reject' },
  ],
};

function limiter(options: RateLimiterOptions = {}, rateLimits: RateLimitPolicy = policy) {
  let now = 0;
  const rateLimiter = new RateLimiter(rateLimits, () => now, options);
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

  it('rejects again and again while empty, and recovers after refilling', () => {
    const { rateLimiter, advance } = limiter();
    expect(rateLimiter.take('crm', 'opportunity.won').verdict).toBe('allow');
    const verdict = rateLimiter.take('crm', 'opportunity.won');
    expect(verdict).toEqual({ verdict: 'reject', rule: policy.rules[2] });
    advance(999);
    expect(rateLimiter.take('crm', 'opportunity.won').verdict).toBe('reject');
    advance(1);
    expect(rateLimiter.take('crm', 'opportunity.won').verdict).toBe('allow');
  });

  it('never refills beyond the burst', () => {
    const { rateLimiter, advance } = limiter();
    advance(60_000);
    rateLimiter.take('fieldservice', 'a.b');
    advance(60_000);
    expect(rateLimiter.take('fieldservice', 'a.b').verdict).toBe('allow');
    expect(rateLimiter.take('fieldservice', 'a.b').verdict).toBe('allow');
    expect(rateLimiter.take('fieldservice', 'a.b').verdict).toBe('delay');
  });

  it('refills nothing when the clock goes back', () => {
    const { rateLimiter, advance } = limiter();
    advance(10_000);
    rateLimiter.take('fieldservice', 'a.b');
    rateLimiter.take('fieldservice', 'a.b');
    advance(-5_000);
    expect(rateLimiter.take('fieldservice', 'a.b').verdict).toBe('delay');
  });

  it('applies rules most specific first, whatever their order in the file', () => {
    const rules: RateLimitPolicy['rules'] = [
      { source: '*', type: '*', perSecond: 1, burst: 1, action: 'delay' },
      { source: '*', type: 'invoice.posted', perSecond: 2, burst: 2, action: 'delay' },
      { source: 'odoo', type: '*', perSecond: 3, burst: 3, action: 'delay' },
      { source: 'odoo', type: 'invoice.*', perSecond: 4, burst: 4, action: 'delay' },
      { source: 'odoo', type: 'invoice.posted', perSecond: 5, burst: 5, action: 'reject' },
    ];
    const { rateLimiter } = limiter({}, { delayMs: 1, maxDelays: 1, rules: [...rules].reverse() });
    expect(rateLimiter.ruleFor('odoo', 'invoice.posted')).toBe(rules[4]);
    expect(rateLimiter.ruleFor('odoo', 'invoice.voided')).toBe(rules[3]);
    expect(rateLimiter.ruleFor('odoo', 'payment.recorded')).toBe(rules[2]);
    expect(rateLimiter.ruleFor('crm', 'invoice.posted')).toBe(rules[1]);
    expect(rateLimiter.ruleFor('crm', 'opportunity.won')).toBe(rules[0]);
  });

  it('evicts buckets that have been idle long enough to be full again', () => {
    const { rateLimiter, advance } = limiter();
    rateLimiter.take('fieldservice', 'a.b'); // refills 2 tokens in 1 s
    rateLimiter.take('crm', 'opportunity.won'); // refills 1 token in 1 s
    for (let i = 0; i < 5; i += 1) rateLimiter.take('odoo', `type.n${i}`); // 100 tokens in 1 s
    expect(rateLimiter.size).toBe(7);
    advance(500);
    rateLimiter.take('odoo', 'type.n0');
    expect(rateLimiter.size).toBe(7);
    advance(600); // 1.1 s after the first takes: those buckets are full, dropping them is exact
    rateLimiter.take('odoo', 'type.n0');
    expect(rateLimiter.size).toBe(1);
  });

  it('keeps at most maxBuckets, dropping the least recently used', () => {
    const { rateLimiter, advance } = limiter({ maxBuckets: 3 });
    rateLimiter.take('fieldservice', 'a.one');
    rateLimiter.take('fieldservice', 'a.one');
    advance(1);
    rateLimiter.take('fieldservice', 'a.two');
    rateLimiter.take('fieldservice', 'a.three');
    rateLimiter.take('fieldservice', 'a.one'); // a.one is now the most recently used
    rateLimiter.take('fieldservice', 'a.four'); // evicts a.two
    expect(rateLimiter.size).toBe(3);
    expect(rateLimiter.take('fieldservice', 'a.one').verdict).toBe('delay'); // kept: still empty
  });
});

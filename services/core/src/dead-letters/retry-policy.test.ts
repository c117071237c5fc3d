import { describe, expect, it } from 'vitest';
import { isPlumblineError } from '../errors';
import { allReasons } from '../governance/outcome';
import { isTransientReason, nextRetry } from './retry-policy';
import { t0, thrown } from './test-fixtures';

describe('retry policy', () => {
  it('retries rate limits and worker failures by itself; everything else waits for a person', () => {
    expect(allReasons.filter(isTransientReason)).toEqual(['rate_limited', 'processing_failed']);
    for (const reason of allReasons.filter((reason) => !isTransientReason(reason))) {
      expect(nextRetry(0, reason, t0)).toMatchObject({
        action: 'wait_for_person',
        why: 'permanent',
      });
    }
  });

  it('backs off exponentially with equal jitter, capped per delay', () => {
    const delays = (random: number) =>
      Array.from({ length: 8 }, (_, attempt) => {
        const decision = nextRetry(attempt, 'rate_limited', t0, { random: () => random });
        if (decision.action !== 'retry') throw new Error('expected a retry');
        expect(decision.attempt).toBe(attempt + 1);
        expect(decision.at).toBe(t0 + decision.delayMs);
        return decision.delayMs;
      });
    const minute = 60_000;
    expect(delays(0)).toEqual([
      15_000,
      30_000,
      60_000,
      2 * minute,
      4 * minute,
      8 * minute,
      15 * minute,
      15 * minute,
    ]);
    expect(delays(1 - 1e-9)).toEqual([
      30_000,
      60_000,
      2 * minute,
      4 * minute,
      8 * minute,
      16 * minute,
      30 * minute,
      30 * minute,
    ]);
  });

  it('stops at the cap and waits for a person', () => {
    expect(nextRetry(7, 'rate_limited', t0).action).toBe('retry');
    expect(nextRetry(8, 'rate_limited', t0)).toMatchObject({
      action: 'wait_for_person',
      why: 'attempts_exhausted',
    });
    expect(nextRetry(2, 'processing_failed', t0).action).toBe('retry');
    expect(nextRetry(3, 'processing_failed', t0)).toMatchObject({
      action: 'wait_for_person',
      message: expect.stringMatching(/3 automatic retries/) as unknown,
    });
  });

  it('takes other schedules', () => {
    const schedules = { rate_limited: { baseDelayMs: 10, maxDelayMs: 100, maxAttempts: 1 } };
    expect(nextRetry(0, 'rate_limited', t0, { schedules, random: () => 0.5 })).toEqual({
      action: 'retry',
      attempt: 1,
      delayMs: 8,
      at: t0 + 8,
    });
    // A transient reason without a schedule is not retried.
    expect(nextRetry(0, 'processing_failed', t0, { schedules }).action).toBe('wait_for_person');
  });

  it('treats a negative or fractional attempt as a bug', () => {
    for (const attempt of [-1, 1.5]) {
      const error = thrown(() => nextRetry(attempt, 'rate_limited', t0));
      expect(isPlumblineError(error) && error.code).toBe('internal');
    }
  });
});

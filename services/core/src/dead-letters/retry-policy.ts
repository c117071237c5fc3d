import { ErrorCode, PlumblineError } from '../errors';
import type { Reason } from '../governance/outcome';

/**
 * Whether a cause can go away by itself. Transient dead letters are replayed automatically with
 * backoff, up to a cap; permanent ones wait for a person (a contract, policy or producer must
 * change first, so retrying unchanged would fail the same way).
 *
 * `processing_failed` (the worker failed on the message repeatedly) is transient with a small
 * cap: a fixed worker or a dependency that recovered lets it through, and a true poison message
 * stops after a few tries and is kept for a person, as the reason's definition says.
 */
export const retryClassByReason: Readonly<Record<Reason, 'transient' | 'permanent'>> = {
  rate_limited: 'transient',
  processing_failed: 'transient',
  malformed: 'permanent',
  unknown_contract: 'permanent',
  schema_violation: 'permanent',
  ownership_violation: 'permanent',
  retired_version: 'permanent',
  too_large: 'permanent',
  naming_violation: 'permanent',
};

export function isTransientReason(reason: Reason): boolean {
  return retryClassByReason[reason] === 'transient';
}

export interface RetrySchedule {
  /** Delay before the first retry, before jitter. */
  readonly baseDelayMs: number;
  /** Ceiling for one delay, before jitter. */
  readonly maxDelayMs: number;
  /** Automatic retries before the dead letter waits for a person. */
  readonly maxAttempts: number;
}

const minute = 60_000;

export const defaultRetrySchedules: Readonly<Partial<Record<Reason, RetrySchedule>>> = {
  // A rate limit clears within minutes: retry soon, and fairly often.
  rate_limited: { baseDelayMs: 30_000, maxDelayMs: 30 * minute, maxAttempts: 8 },
  // A worker failure needs a fix or a recovery: wait longer, give up sooner.
  processing_failed: { baseDelayMs: 5 * minute, maxDelayMs: 60 * minute, maxAttempts: 3 },
};

export type RetryDecision =
  | {
      readonly action: 'retry';
      /** 1 for the first automatic retry. */
      readonly attempt: number;
      readonly delayMs: number;
      /** When to replay, milliseconds since the epoch. */
      readonly at: number;
    }
  | {
      readonly action: 'wait_for_person';
      readonly why: 'permanent' | 'attempts_exhausted';
      readonly message: string;
    };

export interface RetryOptions {
  /** In [0, 1); `Math.random` unless given (tests pass a fixed one). */
  readonly random?: () => number;
  readonly schedules?: Readonly<Partial<Record<Reason, RetrySchedule>>>;
}

/**
 * What to do with a dead letter after `attempt` automatic retries (0 = none yet). Exponential
 * backoff, `base · 2^attempt` capped at `maxDelayMs`, with "equal jitter": the delay is between
 * half and all of that, so retries of one burst spread out but never come back at once.
 */
export function nextRetry(
  attempt: number,
  reason: Reason,
  now: number,
  options: RetryOptions = {},
): RetryDecision {
  const schedule = isTransientReason(reason)
    ? (options.schedules ?? defaultRetrySchedules)[reason]
    : undefined;
  if (schedule === undefined) {
    return {
      action: 'wait_for_person',
      why: 'permanent',
      message: `${reason} does not go away by itself; it waits for a person`,
    };
  }
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new PlumblineError(
      ErrorCode.Internal,
      `attempt must be a whole number from 0, got ${attempt}`,
    );
  }
  if (attempt >= schedule.maxAttempts) {
    return {
      action: 'wait_for_person',
      why: 'attempts_exhausted',
      message: `${reason} persisted through ${schedule.maxAttempts} automatic retries; it waits for a person`,
    };
  }
  const random = options.random ?? Math.random;
  const ceiling = Math.min(schedule.maxDelayMs, schedule.baseDelayMs * 2 ** attempt);
  const delayMs = Math.round(ceiling / 2 + random() * (ceiling / 2));
  return { action: 'retry', attempt: attempt + 1, delayMs, at: now + delayMs };
}

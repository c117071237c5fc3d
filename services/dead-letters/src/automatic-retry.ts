import {
  automaticRetryJobId,
  createReplayJob,
  defaultRetrySchedules,
  nextRetry,
  retryClassByReason,
  type Reason,
  type RetrySchedule,
} from '@plumbline/core';
import type { DeadLetterIndex, Logger, ReplayJobStore } from '@plumbline/platform';

export interface AutomaticRetryOptions {
  readonly index: DeadLetterIndex;
  readonly jobs: ReplayJobStore;
  readonly logger: Logger;
  /** How often open dead letters of transient causes are looked at (default 10 s). */
  readonly intervalMs?: number;
  readonly schedules?: Readonly<Partial<Record<Reason, RetrySchedule>>>;
  readonly now?: () => number;
}

export interface AutomaticRetry {
  /** Queues the retries that are due; resolves to how many were queued. */
  sweep(): Promise<number>;
  stop(): void;
}

const transientReasons = (Object.keys(retryClassByReason) as Reason[]).filter(
  (reason) => retryClassByReason[reason] === 'transient',
);

/**
 * Retries transient causes (`rate_limited`, `processing_failed`) by itself: for each open dead
 * letter of such a cause, the retry policy says when (exponential backoff with jitter, counted
 * from when it was dead-lettered) and how often; when due, a one-item automatic replay job is
 * queued for the runner. Its id, `retry<attempt>-<seq>`, makes queuing idempotent (a second
 * sweep finds it exists) and carries the attempt into the next dead letter should the retry fail
 * again. Past the cap, the dead letter waits for a person. Permanent causes are never touched.
 */
export function startAutomaticRetry(options: AutomaticRetryOptions): AutomaticRetry {
  const now = options.now ?? Date.now;
  const schedules = options.schedules ?? defaultRetrySchedules;

  const sweep = async (): Promise<number> => {
    let queued = 0;
    let cursor = 0;
    for (;;) {
      const page = await options.index.scan(
        { states: ['open'], reasons: transientReasons },
        cursor,
        500,
      );
      if (page.length === 0) return queued;
      for (const deadLetter of page) {
        cursor = deadLetter.seq;
        const decision = nextRetry(
          deadLetter.autoRetryAttempt,
          deadLetter.reason,
          deadLetter.deadLetteredAt,
          // Jitter fixed per dead letter, so every sweep computes the same due time.
          { schedules, random: () => (deadLetter.seq % 997) / 997 },
        );
        if (decision.action !== 'retry' || decision.at > now()) continue;
        const job = createReplayJob({
          id: automaticRetryJobId(decision.attempt, deadLetter.seq),
          kind: 'automatic',
          request: {
            select: { ids: [deadLetter.seq] },
            maxRatePerSecond: 10,
            dryRun: false,
            reason: `automatic retry ${decision.attempt} of ${deadLetter.reason}`,
          },
          requestedBy: 'plumbline',
          tenants: [deadLetter.tenant],
          at: now(),
        });
        try {
          await options.jobs.create(job);
          queued += 1;
        } catch {
          // Already queued by an earlier sweep (or another process): nothing to do.
        }
      }
    }
  };

  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep()
      .catch((error: unknown) => options.logger.error({ err: error }, 'automatic retry failed'))
      .finally(() => (running = false));
  }, options.intervalMs ?? 10_000);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}

import pRetry from 'p-retry';

/** ClickHouse write retries: quick at first, then every few seconds. */
const backoff = { minTimeout: 500, factor: 2, maxTimeout: 5_000, randomize: true } as const;

/**
 * Runs `write` until it succeeds, retrying in place for as long as `running()` holds; then makes
 * no further attempt and rejects with the last error. `onFailure` hears of every failed attempt.
 * The caller holds (and keeps alive) the messages the write is for, rather than giving them back
 * for redelivery at each failure.
 */
export function retryWhileRunning<T>(
  write: () => Promise<T>,
  running: () => boolean,
  onFailure: (error: Error, attempt: number) => void,
): Promise<T> {
  return pRetry(write, {
    ...backoff,
    retries: Number.POSITIVE_INFINITY,
    shouldRetry: running,
    onFailedAttempt: ({ error, attemptNumber }) => onFailure(error, attemptNumber),
  });
}

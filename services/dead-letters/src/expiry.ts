import type { JetStreamManager } from '@nats-io/jetstream';
import { transitionDeadLetter } from '@plumbline/core';
import { Streams, type DeadLetterIndex, type Logger } from '@plumbline/platform';

export interface ExpirySweepOptions {
  readonly index: DeadLetterIndex;
  readonly jsm: JetStreamManager;
  readonly logger: Logger;
  /** Default one minute. */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

export interface ExpirySweep {
  /** Marks expired every open dead letter whose bytes the stream no longer holds. */
  sweep(): Promise<number>;
  stop(): void;
}

/**
 * The DEADLETTER stream drops the oldest messages past its retention; a dead letter whose bytes
 * are gone can no longer be replayed or shown, so its index row becomes `expired`. Sequences
 * only grow, so everything below the stream's first sequence is gone.
 */
export function startExpirySweep(options: ExpirySweepOptions): ExpirySweep {
  const now = options.now ?? Date.now;
  const sweep = async (): Promise<number> => {
    const info = await options.jsm.streams.info(Streams.DeadLetter);
    const firstSeq = info.state.messages === 0 ? info.state.last_seq + 1 : info.state.first_seq;
    let expired = 0;
    let cursor = 0;
    for (;;) {
      const page = (await options.index.scan({ states: ['open'] }, cursor, 1_000)).filter(
        (deadLetter) => deadLetter.seq < firstSeq,
      );
      if (page.length === 0) return expired;
      const at = now();
      await options.index.put(
        page.map((deadLetter) => transitionDeadLetter(deadLetter, { to: 'expired', at })),
      );
      expired += page.length;
      cursor = page.at(-1)!.seq;
    }
  };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep()
      .catch((error: unknown) => options.logger.error({ err: error }, 'dead-letter expiry failed'))
      .finally(() => (running = false));
  }, options.intervalMs ?? 60_000);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}

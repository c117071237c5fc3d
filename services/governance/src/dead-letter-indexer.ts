import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { deadLetterFromStream, type StoredDeadLetter } from '@plumbline/core';
import {
  DeadLetterIndexConsumer,
  Streams,
  consumeBounded,
  type DeadLetterIndex,
  type Logger,
  type PulledMessage,
} from '@plumbline/platform';
import { retryWhileRunning } from './write-retry';

export interface DeadLetterIndexerOptions {
  readonly nc: NatsConnection;
  readonly index: DeadLetterIndex;
  /** The business key of `data` under the current contract for `type` (hashed if sensitive). */
  readonly businessKeyOf: (type: string, data: unknown) => string;
  readonly logger: Logger;
  /** Most bytes of dead letters taken and not yet indexed (they can be megabytes each). */
  readonly maxHeldBytes: number;
  readonly batchSize?: number;
  readonly lingerMs?: number;
}

export interface DeadLetterIndexer {
  indexed(): number;
  stop(): Promise<void>;
}

/**
 * Keeps the ClickHouse dead-letter index a projection of the DEADLETTER stream: pulls the
 * durable `dead-letter-index` consumer, writes a batch of rows, then acks. A failed write is
 * retried in place, its dead letters held (with in-progress acks) rather than redelivered and
 * read again; an indexer that stops meanwhile naks them. Re-indexing a dead letter is harmless
 * (the index keeps the latest state, and a new row carries the oldest possible one).
 *
 * One write at a time, and, unless a full batch waits, `lingerMs` between them: every insert
 * makes a ClickHouse part (files created now, merged and deleted later), so a steady trickle of
 * dead letters is written as a few inserts a second, not one per dead letter. While a write runs
 * and a full batch waits, the indexer stops taking dead letters; and what it holds, wherever it
 * is, is bounded in count (four batches) and in bytes (`maxHeldBytes`): a slow ClickHouse holds
 * dead letters back in the stream, not in memory.
 */
export async function startDeadLetterIndexer(
  options: DeadLetterIndexerOptions,
): Promise<DeadLetterIndexer> {
  const { logger } = options;
  const batchSize = options.batchSize ?? 500;
  const lingerMs = options.lingerMs ?? 200;
  const jsm = await jetstreamManager(options.nc);
  const { ack_wait: ackWaitNanos } = (
    await jsm.consumers.info(Streams.DeadLetter, DeadLetterIndexConsumer)
  ).config;
  const keepAliveMs = Math.max(100, Number(ackWaitNanos ?? 30e9) / 1e6 / 3);
  const messages = consumeBounded(options.nc, {
    stream: Streams.DeadLetter,
    consumers: [DeadLetterIndexConsumer],
    maxMessages: batchSize * 4,
    maxBytes: options.maxHeldBytes,
    // Half the worker's: both pull over one connection, which the server cuts off as a slow
    // consumer beyond 64 MB waiting to be read.
    maxInFlightBytes: 16 * 1024 * 1024,
    onProblem: (problem) => logger.warn({ problem }, 'pulling DEADLETTER'),
  });
  // What waits for a slow or absent ClickHouse stays here rather than being redelivered.
  const keepAlive = setInterval(() => messages.keepAlive(keepAliveMs), keepAliveMs);
  const pending: PulledMessage[] = [];
  let running = true;
  let indexed = 0;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> | undefined;

  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (writing !== undefined || pending.length === 0) return;
    const batch = pending.splice(0, batchSize);
    writing = write(batch).finally(() => {
      writing = undefined;
      if (pending.length >= batchSize) flush();
      else if (pending.length > 0) timer ??= setTimeout(flush, lingerMs);
    });
  };

  async function write(batch: readonly PulledMessage[]): Promise<void> {
    try {
      // Read once, outside the retries: a dead letter's body can be megabytes.
      const rows = batch.map((message) =>
        deadLetterFromStream(stored(message), options.businessKeyOf),
      );
      await retryWhileRunning(
        () => options.index.put(rows),
        () => running,
        (error, attempt) => {
          if (running)
            logger.warn(
              { err: error, size: batch.length, attempt },
              'dead-letter index write failed; retrying (dead letters held)',
            );
        },
      );
    } catch (error) {
      logger.error({ err: error, size: batch.length }, 'dead-letter index write failed');
      for (const message of batch) message.nak(2_000);
      return;
    }
    for (const message of batch) message.ack();
    indexed += batch.length;
  }

  const loop = (async () => {
    for await (const message of messages) {
      pending.push(message);
      if (writing !== undefined) {
        // The write's end takes what came meanwhile; with a full batch waiting behind it, wait
        // for the write (the consumer's budget then stops pulling when full).
        while (writing !== undefined && pending.length >= batchSize) await writing;
        continue;
      }
      if (pending.length >= batchSize) flush();
      else timer ??= setTimeout(flush, lingerMs);
    }
  })();

  return {
    indexed: () => indexed,
    async stop() {
      running = false; // a write failing now is given back for redelivery, not retried
      messages.stop();
      await loop;
      for (flush(); writing !== undefined; flush()) await writing;
      clearInterval(keepAlive);
    },
  };
}

function stored(message: PulledMessage): StoredDeadLetter {
  const headers: Record<string, string> = {};
  for (const [key, values] of message.headers ?? []) headers[key] = values.join(',');
  return {
    seq: message.seq,
    subject: message.subject,
    storedAt: new Date(Math.floor(Number(message.info.timestampNanos) / 1_000_000)).toISOString(),
    headers,
    body: message.data,
  };
}

import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { StoredDeadLetter } from '@plumbline/core';
import { Streams } from './topology';

/** Reads single dead letters, original bytes and headers, from the DEADLETTER stream. */
export class DeadLetterReader {
  #jsm: Promise<JetStreamManager>;

  constructor(nc: NatsConnection) {
    this.#jsm = jetstreamManager(nc);
  }

  /** Undefined when there is no such sequence (never stored, expired or deleted). */
  async get(seq: number): Promise<StoredDeadLetter | undefined> {
    const jsm = await this.#jsm;
    const message = await jsm.streams.getMessage(Streams.DeadLetter, { seq });
    if (message === null) return undefined;
    const headers: Record<string, string> = {};
    for (const [key, values] of message.header ?? []) headers[key] = values.join(',');
    return {
      seq: message.seq,
      subject: message.subject,
      storedAt: message.time.toISOString(),
      headers,
      body: message.data,
    };
  }
}

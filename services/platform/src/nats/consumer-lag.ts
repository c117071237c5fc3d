import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { GovernanceConsumer, Streams } from './topology';

/** How far the governance workers are behind INGEST, as JetStream reports it. */
export interface ConsumerLag {
  readonly stream: string;
  readonly consumer: string;
  /** Messages in INGEST not yet delivered to a worker. */
  readonly pending: number;
  /** Delivered but not yet acknowledged (being decided, or about to be redelivered). */
  readonly ackPending: number;
  /** Redeliveries of unacknowledged messages so far. */
  readonly redelivered: number;
}

/** Reads the governance consumer's lag (`jsm.consumers.info('INGEST', 'governance')`). */
export function governanceConsumerLag(nc: NatsConnection): () => Promise<ConsumerLag> {
  let jsm: Promise<JetStreamManager> | undefined;
  return async () => {
    jsm ??= jetstreamManager(nc);
    const info = await (await jsm).consumers.info(Streams.Ingest, GovernanceConsumer);
    return {
      stream: Streams.Ingest,
      consumer: GovernanceConsumer,
      pending: info.num_pending,
      ackPending: info.num_ack_pending,
      redelivered: info.num_redelivered,
    };
  };
}

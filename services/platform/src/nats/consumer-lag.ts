import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { GovernanceConsumer, Streams, governanceConsumers } from './topology';

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

/**
 * Reads the governance consumers' lag, summed over INGEST's partitions when it is cut
 * (`jsm.consumers.info('INGEST', 'governance')` otherwise).
 */
export function governanceConsumerLag(
  nc: NatsConnection,
  partitions = 1,
): () => Promise<ConsumerLag> {
  let jsm: Promise<JetStreamManager> | undefined;
  const consumers = governanceConsumers(partitions);
  return async () => {
    jsm ??= jetstreamManager(nc);
    const manager = await jsm;
    const infos = await Promise.all(
      consumers.map((consumer) => manager.consumers.info(Streams.Ingest, consumer)),
    );
    const sum = (count: (info: (typeof infos)[number]) => number) =>
      infos.reduce((total, info) => total + count(info), 0);
    return {
      stream: Streams.Ingest,
      consumer: partitions <= 1 ? GovernanceConsumer : `${GovernanceConsumer}-p*`,
      pending: sum((info) => info.num_pending),
      ackPending: sum((info) => info.num_ack_pending),
      redelivered: sum((info) => info.num_redelivered),
    };
  };
}

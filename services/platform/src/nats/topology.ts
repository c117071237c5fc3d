import {
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';

/** Names of every stream, consumer and bucket Plumbline owns. */
export const Streams = {
  Ingest: 'INGEST',
  Governed: 'GOVERNED',
  DeadLetter: 'DEADLETTER',
} as const;

export const Subjects = {
  /** `ingest.<source>.<type…>`: connectors publish here. */
  ingest: (source: string, type: string) => `ingest.${source}.${type}`,
  /** `gov.<domain>.<type…>`: accepted envelopes for downstream consumers. */
  governed: (domain: string, type: string) => `gov.${domain}.${type}`,
  /** `dlq.<reason>.<type…>`: rejected envelopes, original bytes kept for replay. */
  deadLetter: (reason: string, type: string) => `dlq.${reason}.${type}`,
} as const;

export const GovernanceConsumer = 'governance';
/** Durable consumer on DEADLETTER that keeps the ClickHouse dead-letter index current. */
export const DeadLetterIndexConsumer = 'dead-letter-index';

export const Buckets = {
  Contracts: 'plumbline_contracts',
  Policies: 'plumbline_policies',
  /** Access tokens (hashes only), keyed `token.<id>`. */
  Tokens: 'plumbline_tokens',
  /** Claims and resolutions of dead letters, keyed `dl.<seq>`: created once, never raced. */
  DeadLetterStates: 'plumbline_dead_letter_states',
  /** Replay jobs with their state and progress, keyed `job.<id>`. */
  ReplayJobs: 'plumbline_replay_jobs',
  /** Leases of work one process does at a time, keyed by the work (`rollups.<database>`). */
  Leases: 'plumbline_leases',
} as const;

export interface TopologyBuckets {
  readonly contracts: KV;
  readonly policies: KV;
  readonly tokens: KV;
  readonly deadLetterStates: KV;
  readonly replayJobs: KV;
  readonly leases: KV;
}

const day = 24 * 60 * 60 * 1_000_000_000;
const minute = 60 * 1_000_000_000;

export interface TopologyOptions {
  /** How long dead letters are kept in the DEADLETTER stream (default 30 days). */
  readonly deadLetterRetentionDays?: number;
  readonly replicas?: number;
}

/** Creates (or updates) streams, the shared governance consumer and the KV buckets. Idempotent. */
export async function ensureTopology(
  nc: NatsConnection,
  jsm: JetStreamManager,
  options: TopologyOptions = {},
): Promise<TopologyBuckets> {
  const replicas = options.replicas ?? 1;
  const streams = [
    {
      name: Streams.Ingest,
      subjects: ['ingest.>'],
      max_age: 7 * day,
      duplicate_window: 2 * minute,
    },
    {
      name: Streams.Governed,
      subjects: ['gov.>'],
      max_age: 7 * day,
      duplicate_window: 10 * minute,
    },
    {
      name: Streams.DeadLetter,
      subjects: ['dlq.>'],
      max_age: (options.deadLetterRetentionDays ?? 30) * day,
      duplicate_window: 10 * minute,
    },
  ];
  for (const stream of streams) {
    const config = {
      ...stream,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: replicas,
    };
    try {
      await jsm.streams.info(stream.name);
      await jsm.streams.update(stream.name, config);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await jsm.streams.add(config);
    }
  }
  try {
    await jsm.consumers.info(Streams.Ingest, GovernanceConsumer);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await jsm.consumers.add(Streams.Ingest, {
      durable_name: GovernanceConsumer,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 30 * 1_000_000_000,
      // Never let JetStream drop a message after N deliveries: the worker dead-letters instead.
      max_deliver: -1,
      max_ack_pending: 20_000,
    });
  }
  try {
    await jsm.consumers.info(Streams.DeadLetter, DeadLetterIndexConsumer);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await jsm.consumers.add(Streams.DeadLetter, {
      durable_name: DeadLetterIndexConsumer,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 30 * 1_000_000_000,
      max_deliver: -1,
      max_ack_pending: 20_000,
    });
  }
  const kvm = new Kvm(nc);
  const contracts = await kvm.create(Buckets.Contracts, { history: 64, replicas });
  const policies = await kvm.create(Buckets.Policies, { history: 64, replicas });
  const tokens = await kvm.create(Buckets.Tokens, { history: 8, replicas });
  // Claims live as long as the dead letters they guard; finished jobs are kept as long too.
  const retentionMs = ((options.deadLetterRetentionDays ?? 30) * day) / 1_000_000;
  const deadLetterStates = await kvm.create(Buckets.DeadLetterStates, {
    history: 1,
    replicas,
    ttl: retentionMs,
  });
  const replayJobs = await kvm.create(Buckets.ReplayJobs, {
    history: 4,
    replicas,
    ttl: retentionMs,
  });
  const leases = await kvm.create(Buckets.Leases, { history: 1, replicas });
  return { contracts, policies, tokens, deadLetterStates, replayJobs, leases };
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && /not found/i.test(error.message);
}

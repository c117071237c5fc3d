import {
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamInfo,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { RequestError, headers, type NatsConnection } from '@nats-io/nats-core';
import { DeadLetterHeader, ErrorCode, PlumblineError } from '@plumbline/core';

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

/**
 * INGEST cut by source (`PLUMBLINE_INGEST_PARTITIONS` > 1), so that one worker at a time governs
 * each source and its rate limits stay exact however many workers run. The server maps every
 * connector subject `ingest.<source>.<type…>` to `ingest.<partition>.<source>.<type…>`, the
 * partition a hash of the source (a subject mapping in its configuration: `serverMapping`);
 * INGEST holds the partition subjects only, so a server without the mapping refuses connectors'
 * publishes rather than storing what no consumer would take; each partition has its own durable
 * consumer.
 */
export const IngestPartitions = {
  subject: (partition: number) => `ingest.${partition}.>`,
  consumer: (partition: number) => `${GovernanceConsumer}-p${partition}`,
  /** The `mappings` block of a nats-server configuration for `count` partitions. */
  serverMapping: (count: number) =>
    `mappings = {\n  "ingest.*.>": "ingest.{{partition(${count},1)}}.{{wildcard(1)}}.>"\n}`,
  /** `ingest.<source>.<type…>` (a subject or pattern) → `ingest.*.<source>.<type…>`. */
  mappedPattern: (pattern: string) => `ingest.*.${pattern.slice('ingest.'.length)}`,
  /** The subject the connector published on: `ingest.<partition>.` → `ingest.`. */
  connectorSubject: (subject: string): string => {
    const dot = subject.indexOf('.', 'ingest.'.length);
    return dot < 0 ? subject : `ingest.${subject.slice(dot + 1)}`;
  },
} as const;

/**
 * Checks that the server maps connector subjects onto INGEST's `partitions` partitions: a
 * publish on `ingest.<source>.<type>` for several probe sources, each expecting a subject
 * sequence no subject has, so the stream answers (refusing to store it) when it captured the
 * mapped subject and nothing answers when no stream did. Nothing is stored either way.
 */
export async function verifyIngestMapping(nc: NatsConnection, partitions: number): Promise<void> {
  if (partitions <= 1) return;
  const unmapped: string[] = [];
  for (let probe = 0; probe < 16; probe += 1) {
    const subject = `ingest.plumbline-probe-${probe}.mapping.check`;
    const expectation = headers();
    expectation.set('Nats-Expected-Last-Subject-Sequence', String(Number.MAX_SAFE_INTEGER));
    try {
      await nc.request(subject, new Uint8Array(0), { timeout: 5_000, headers: expectation });
    } catch (error) {
      if (!(error instanceof RequestError && error.isNoResponders())) throw error;
      unmapped.push(subject);
    }
  }
  if (unmapped.length > 0)
    throw new PlumblineError(
      ErrorCode.InvalidConfig,
      `INGEST is cut into ${partitions} partitions, but the NATS server does not map connector subjects onto them (no stream took ${unmapped[0]}): add ${IngestPartitions.serverMapping(partitions).replace(/\s+/g, ' ')} to its configuration and reload it, or set PLUMBLINE_INGEST_PARTITIONS to the partitions it maps`,
      { details: { partitions, unmapped } },
    );
}

/** The durable consumers that govern INGEST when it has `partitions` partitions (1: not cut). */
export function governanceConsumers(partitions: number): readonly string[] {
  return partitions <= 1
    ? [GovernanceConsumer]
    : Array.from({ length: partitions }, (_, partition) => IngestPartitions.consumer(partition));
}

function ingestSubjects(partitions: number): string[] {
  return partitions <= 1
    ? ['ingest.>']
    : Array.from({ length: partitions }, (_, partition) => IngestPartitions.subject(partition));
}
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
  /**
   * Outputs published whose lineage is not yet written, keyed `ingest.<seq>`: recorded when a
   * lineage insert fails (see `PublishedOutputs`); kept at most as long as INGEST keeps messages.
   */
  Published: 'plumbline_published',
} as const;

export interface TopologyBuckets {
  readonly contracts: KV;
  readonly policies: KV;
  readonly tokens: KV;
  readonly deadLetterStates: KV;
  readonly replayJobs: KV;
  readonly leases: KV;
  readonly published: KV;
}

const day = 24 * 60 * 60 * 1_000_000_000;
const minute = 60 * 1_000_000_000;
/** How long INGEST keeps a message, in nanoseconds. */
const ingestMaxAge = 7 * day;

export interface TopologyOptions {
  /** How long dead letters are kept in the DEADLETTER stream (default 30 days). */
  readonly deadLetterRetentionDays?: number;
  readonly replicas?: number;
  /**
   * Partitions of INGEST (default 1: not cut). Changing it needs INGEST drained under the
   * current layout, and the server's subject mapping changed with it (`IngestPartitions`).
   */
  readonly ingestPartitions?: number;
  /**
   * Whether this call may change INGEST's layout when it differs from `ingestPartitions`; without
   * it a difference is refused: a process configured unlike the others must not recut INGEST
   * under them (`plumbline start` may, a `plumbline worker` may not).
   */
  readonly changeIngestLayout?: boolean;
  /**
   * Where a governance consumer found missing while INGEST holds messages starts: `'all'` (from
   * INGEST's first message) or a stream sequence. Without it such a consumer is not recreated
   * (see `ensureTopology`).
   */
  readonly ingestResumeFrom?: IngestResumeFrom;
}

/** Where a recreated governance consumer starts: INGEST's first message, or a stream sequence. */
export type IngestResumeFrom = 'all' | number;

/**
 * Creates (or updates) streams, the governance consumers and the KV buckets. Idempotent.
 *
 * A governance consumer is created reading INGEST from its start when INGEST is new or empty.
 * One missing while INGEST holds messages was deleted by hand (or lost): from the start, it
 * would govern every message again, and GOVERNED, whose duplicate window is 10 minutes, would
 * get second copies; from the end, it would leave the messages not yet governed to nobody. So it
 * is not recreated until `ingestResumeFrom` says where to start (`PLUMBLINE_INGEST_RESUME_FROM`).
 */
export async function ensureTopology(
  nc: NatsConnection,
  jsm: JetStreamManager,
  options: TopologyOptions = {},
): Promise<TopologyBuckets> {
  const replicas = options.replicas ?? 1;
  const partitions = options.ingestPartitions ?? 1;
  const ingestBefore = await streamInfo(jsm, Streams.Ingest);
  const layout = await ingestLayoutChange(
    jsm,
    ingestBefore,
    partitions,
    options.changeIngestLayout ?? false,
  );
  const resume =
    layout === undefined && ingestBefore !== undefined && ingestBefore.state.messages > 0
      ? await resumeOfMissingConsumers(jsm, ingestBefore, partitions, options.ingestResumeFrom)
      : undefined;
  const streams = [
    {
      name: Streams.Ingest,
      subjects: ingestSubjects(partitions),
      max_age: ingestMaxAge,
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
  for (const consumer of layout?.retired ?? [])
    await jsm.consumers.delete(Streams.Ingest, consumer);
  for (const [partition, consumer] of governanceConsumers(partitions).entries())
    await ensureConsumer(jsm, Streams.Ingest, {
      durable_name: consumer,
      // After a change of layout, from where the drained consumers had got to; recreated, from
      // where the operator said.
      ...(layout !== undefined
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: layout.startSeq }
        : typeof resume === 'number'
          ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: resume }
          : { deliver_policy: DeliverPolicy.All }),
      ...(partitions > 1 ? { filter_subject: IngestPartitions.subject(partition) } : {}),
    });
  await ensureConsumer(jsm, Streams.DeadLetter, {
    durable_name: DeadLetterIndexConsumer,
    deliver_policy: DeliverPolicy.All,
  });
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
  const published = await kvm.create(Buckets.Published, {
    history: 1,
    replicas,
    ttl: ingestMaxAge / 1_000_000,
  });
  return { contracts, policies, tokens, deadLetterStates, replayJobs, leases, published };
}

/**
 * When INGEST exists with another number of partitions: the consumers of its current layout, to
 * be deleted, and the stream sequence the new ones start from. Refuses while any of them has a
 * message not yet governed (delivered or not): those would be left to no consumer.
 */
async function ingestLayoutChange(
  jsm: JetStreamManager,
  ingest: StreamInfo | undefined,
  partitions: number,
  allowed: boolean,
): Promise<{ readonly retired: readonly string[]; readonly startSeq: number } | undefined> {
  if (ingest === undefined) return undefined;
  const subjects = ingest.config.subjects ?? [];
  const lastSeq = ingest.state.last_seq;
  const wanted = ingestSubjects(partitions);
  if (subjects.length === wanted.length && subjects.every((subject, i) => subject === wanted[i]))
    return undefined;
  const current = subjects.length === 1 && subjects[0] === 'ingest.>' ? 1 : subjects.length;
  if (!allowed)
    throw new PlumblineError(
      ErrorCode.Conflict,
      `INGEST is cut into ${current} partition(s), but PLUMBLINE_INGEST_PARTITIONS is ${partitions} here: every process must use the same value (only \`plumbline start\` changes the layout, once INGEST is drained)`,
      { details: { current, wanted: partitions } },
    );
  const retired: string[] = [];
  const undecided: string[] = [];
  for (const consumer of governanceConsumers(current)) {
    try {
      const info = await jsm.consumers.info(Streams.Ingest, consumer);
      retired.push(consumer);
      const left = info.num_pending + info.num_ack_pending;
      if (left > 0) undecided.push(`${consumer}: ${left}`);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  if (undecided.length > 0)
    throw new PlumblineError(
      ErrorCode.Conflict,
      `INGEST is cut into ${current} partition(s) and ${partitions} are asked for, but messages are not yet governed (${undecided.join(', ')}): let the workers drain INGEST with the current setting, then change PLUMBLINE_INGEST_PARTITIONS (and the server's subject mapping with it)`,
      { details: { current, wanted: partitions, undecided } },
    );
  return { retired, startSeq: lastSeq + 1 };
}

/**
 * Where the governance consumers missing from INGEST (which holds messages) start, if any is
 * missing: as `resumeFrom` says; without it, refused, with what the outputs say about how far
 * governing had got, so that the operator can choose.
 */
async function resumeOfMissingConsumers(
  jsm: JetStreamManager,
  ingest: StreamInfo,
  partitions: number,
  resumeFrom: IngestResumeFrom | undefined,
): Promise<IngestResumeFrom | undefined> {
  const missing = await absentConsumers(jsm, Streams.Ingest, governanceConsumers(partitions));
  if (missing.length === 0 || resumeFrom !== undefined) return resumeFrom;
  const { first_seq: firstSeq, last_seq: lastSeq, messages } = ingest.state;
  const lastGoverned = Math.max(
    await lastIngestSeqOnOutput(jsm, Streams.Governed),
    await lastIngestSeqOnOutput(jsm, Streams.DeadLetter),
  );
  throw new PlumblineError(
    ErrorCode.Conflict,
    `INGEST's governance consumer ${missing.join(', ')} is missing (deleted by hand?) while INGEST holds ${messages} messages (sequences ${firstSeq} to ${lastSeq}). ` +
      'Recreated from the start it would govern them all again, and GOVERNED would get second copies of those governed more than 10 minutes ago; from the end, the messages not yet governed would be left to nobody. ' +
      (lastGoverned > 0
        ? `The last output was of INGEST message ${lastGoverned}; messages before it may still have been waiting (in flight, or delayed by a rate limit). `
        : 'No output names an INGEST message. ') +
      "Set PLUMBLINE_INGEST_RESUME_FROM to the INGEST sequence to resume from, or to 'all', and start again.",
    { details: { missing, firstSeq, lastSeq, messages, lastGoverned } },
  );
}

/** The INGEST sequence named by a stream's last output (0 when there is none to read). */
async function lastIngestSeqOnOutput(jsm: JetStreamManager, stream: string): Promise<number> {
  const info = await streamInfo(jsm, stream);
  if (info === undefined || info.state.messages === 0) return 0;
  const last = await jsm.streams
    .getMessage(stream, { seq: info.state.last_seq })
    .catch(() => undefined);
  // The worker names the INGEST message on every output, accepted or dead-lettered.
  const seq = Number(last?.header.get(DeadLetterHeader.IngestSeq) ?? 0);
  return Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
}

async function streamInfo(jsm: JetStreamManager, stream: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(stream);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * The durable consumers Plumbline's processes pull (INGEST's governance consumers for its
 * layout, the dead-letter index's) that do not exist, as `<stream>/<consumer>`: one deleted by
 * hand leaves its puller idle, with nothing to say for itself.
 */
export async function missingConsumers(
  jsm: JetStreamManager,
  ingestPartitions: number,
): Promise<string[]> {
  const ingest = await absentConsumers(jsm, Streams.Ingest, governanceConsumers(ingestPartitions));
  const deadLetter = await absentConsumers(jsm, Streams.DeadLetter, [DeadLetterIndexConsumer]);
  return [
    ...ingest.map((consumer) => `${Streams.Ingest}/${consumer}`),
    ...deadLetter.map((consumer) => `${Streams.DeadLetter}/${consumer}`),
  ];
}

/** Those of `consumers` that `stream` does not have. */
async function absentConsumers(
  jsm: JetStreamManager,
  stream: string,
  consumers: readonly string[],
): Promise<string[]> {
  const absent: string[] = [];
  for (const consumer of consumers)
    await jsm.consumers.info(stream, consumer).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
      absent.push(consumer);
    });
  return absent;
}

/**
 * Creates a durable consumer unless it exists (an existing one is left as it is): explicit acks,
 * 30 s ack wait, and never a message dropped after N deliveries (the worker and the indexer
 * decide what to do with one that keeps failing).
 */
async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig> & { readonly durable_name: string },
): Promise<void> {
  try {
    await jsm.consumers.info(stream, config.durable_name);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await jsm.consumers.add(stream, {
      ack_policy: AckPolicy.Explicit,
      ack_wait: 30 * 1_000_000_000,
      max_deliver: -1,
      max_ack_pending: 20_000,
      ...config,
    });
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && /not found/i.test(error.message);
}

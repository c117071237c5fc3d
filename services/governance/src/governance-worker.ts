import type { JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import {
  DeadLetterHeader,
  Reason,
  envelopeKey,
  toLineageRow,
  type Decision,
  type IngestMessage,
  type LineageRow,
  type ValidationError,
} from '@plumbline/core';
import {
  BatchPublisher,
  IngestPartitions,
  Streams,
  Subjects,
  consumeBounded,
  governanceConsumers,
  type ClickHouseStore,
  type Logger,
  type OutboundMessage,
  type PublishedOutput,
  type PublishedOutputs,
  type PulledMessage,
} from '@plumbline/platform';
import { startPartitionClaims, type PartitionClaims } from './partition-claims';
import { retryWhileRunning } from './write-retry';

export interface GovernanceWorkerOptions {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly store: ClickHouseStore;
  readonly decide: (message: IngestMessage) => Decision;
  readonly logger: Logger;
  readonly workerId: string;
  readonly batchSize: number;
  readonly batchLingerMs: number;
  /**
   * Most bytes of messages taken from INGEST and not yet acked or given back, wherever they are
   * in the worker; with at most six batches of them, this bounds the worker's memory.
   */
  readonly maxHeldBytes: number;
  /**
   * Least time from one lineage insert to the next while fewer than `batchSize` rows wait: every
   * insert makes a ClickHouse part to be merged later, so a steady flow is written as a few
   * inserts a second. Outputs do not wait for it; acks do.
   */
  readonly lineageIntervalMs: number;
  /** Deliveries after which a message that keeps failing inside the worker is dead-lettered. */
  readonly maxDeliveries: number;
  /**
   * Where outputs whose lineage could not be written are recorded, so that a redelivery after
   * this worker's death is not published again (see `PublishedOutputs`). Without it, a
   * redelivery relies on the output streams' duplicate window alone.
   */
  readonly published?: PublishedOutputs;
  /**
   * INGEST's partitions (default 1: not cut, every worker pulls the one shared consumer). Above
   * 1, the worker governs the partitions it holds under leases in `leases`, its fair share of
   * them, so that each source is governed by one worker at a time.
   */
  readonly ingestPartitions?: number;
  readonly leases?: KV;
  /** How long a partition's lease outlives a worker that stopped renewing it. Default 15 s. */
  readonly partitionLeaseMs?: number;
  readonly now?: () => number;
}

export interface WorkerStats {
  readonly running: boolean;
  readonly batches: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly delayed: number;
  readonly retried: number;
  /** Messages taken from INGEST and not yet acked or given back, and their bytes. */
  readonly held: number;
  readonly heldBytes: number;
  readonly lastBatchAt: number | undefined;
  readonly lastError: string | undefined;
  /** INGEST's partitions this worker governs; undefined when INGEST is not cut. */
  readonly partitions: readonly number[] | undefined;
}

export interface GovernanceWorker {
  stats(): WorkerStats;
  /** Stops pulling, finishes the batch in hand, then resolves. */
  stop(): Promise<void>;
}

/** An outcome with everything needed to make it durable and settle the message. */
interface Settled {
  readonly message: PulledMessage;
  /** `message.data`, read once (each read makes a new view). */
  readonly body: Uint8Array;
  readonly decision: Decision;
  readonly decidedAt: number;
}

/** A batch whose outputs are durable, waiting for its lineage rows to be written. */
interface Published {
  readonly settled: readonly Settled[];
  readonly rows: readonly LineageRow[];
  /** INGEST sequences found with a recorded output (published by a worker now gone). */
  readonly recorded: readonly number[];
}

const retryDelayMs = (delivery: number) => Math.min(30_000, 500 * 2 ** Math.min(delivery, 6));

/**
 * Pulls INGEST through the shared durable consumer, in two stages:
 * 1. per batch: decide every message → publish outputs (GOVERNED / DEADLETTER, deduplicated by
 *    message id) and wait for their PubAcks; at most two batches at once;
 * 2. lineage: one insert at a time of every published batch that is ready → only then ack (or nak
 *    with delay) those messages.
 * The output appears as soon as stage 1 is done, whatever ClickHouse is doing; the inserts
 * coalesce on their own (what is published during one insert goes in the next), so a steady
 * flow makes a few large ClickHouse parts a second rather than one small part per batch.
 * Everything taken from INGEST and not yet acked or given back, wherever it is in these stages,
 * counts against the pull's budget (six batches, `maxHeldBytes`): a flood of large messages
 * waits in the stream, not in memory.
 *
 * A failed lineage insert is retried in place, its messages held (and kept from JetStream's
 * redelivery with in-progress acks, as is everything the worker holds) until it succeeds: their
 * outputs are published once, however long ClickHouse is away, rather than again at each
 * redelivery, where after the output stream's duplicate window a republished copy would no
 * longer be recognised. A failure in stage
 * 1, a worker that stops during an outage, or one that dies, leaves the messages unacked, so
 * JetStream redelivers them; publish ids and the lineage table's key make that retry idempotent.
 */
export async function startGovernanceWorker(
  options: GovernanceWorkerOptions,
): Promise<GovernanceWorker> {
  const { js, store, logger } = options;
  const now = options.now ?? Date.now;
  const table = `${store.database}.lineage_v1`;
  const partitions = options.ingestPartitions ?? 1;
  const partitioned = partitions > 1;
  const consumers = governanceConsumers(partitions);
  const consumer = await js.consumers.get(Streams.Ingest, consumers[0] ?? '');
  // A message held this long gets an in-progress ack, a third of the way to redelivery.
  const { ack_wait: ackWaitNanos } = (await consumer.info(true)).config;
  const keepAliveMs = Math.max(100, Number(ackWaitNanos ?? 30e9) / 1e6 / 3);
  const messages = consumeBounded(options.nc, {
    stream: Streams.Ingest,
    // Partitions are added as they are claimed.
    consumers: partitioned ? [] : consumers,
    maxMessages: options.batchSize * 6,
    maxBytes: options.maxHeldBytes,
    // A partition given back is still pulled until its requests expire (30 s by default):
    // shorter, for a shorter overlap with its next holder.
    ...(partitioned ? { expiresMs: 15_000 } : {}),
    onProblem: (problem) => logger.warn({ problem }, 'pulling INGEST'),
  });
  let claims: PartitionClaims | undefined;
  if (partitioned) {
    if (options.leases === undefined)
      throw new Error('a partitioned INGEST needs the leases bucket to share its partitions');
    claims = await startPartitionClaims({
      leases: options.leases,
      partitions,
      workerId: options.workerId,
      ttlMs: options.partitionLeaseMs ?? 15_000,
      logger,
      onClaim: (partition) => messages.addConsumer(IngestPartitions.consumer(partition)),
      onRelease: (partition) => messages.removeConsumer(IngestPartitions.consumer(partition)),
    });
  }
  // What the connector published on: the partition token is the server's, not the connector's.
  const subjectOf = partitioned ? IngestPartitions.connectorSubject : (subject: string) => subject;
  const publisher = new BatchPublisher(options.nc);

  const counters = { batches: 0, accepted: 0, rejected: 0, delayed: 0, retried: 0 };
  let lastBatchAt: number | undefined;
  let lastError: string | undefined;
  let running = true;

  // Stage 1, group commit: at most `maxPublishing` batches deciding and publishing at once. While
  // they are busy, arriving messages accumulate; as soon as one finishes, everything pending goes
  // as the next batch. Under load batches grow, so fixed costs are paid once per batch; when
  // idle, a lone message waits at most `batchLingerMs`.
  const maxPublishing = 2;
  const pending: PulledMessage[] = [];
  const publishing = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  // Stage 2: published, lineage not yet written. Stage 1 pauses while a full batch waits here,
  // so a slow ClickHouse holds messages back in INGEST rather than in memory.
  const unwritten: Published[] = [];
  const lineageBacklogFull = () =>
    unwritten.reduce((messages, batch) => messages + batch.settled.length, 0) >= options.batchSize;
  let writing: Promise<void> | undefined;
  // Signalled whenever a stage finishes something: the pull loop's backpressure waits on it.
  const progress = changeSignal();

  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (!canPublish() || pending.length === 0) return;
    const batch = pending.splice(0, options.batchSize);
    const done: Promise<void> = publishBatch(batch)
      .catch((error: unknown) => logger.error({ err: error }, 'batch failed unexpectedly'))
      .finally(() => {
        publishing.delete(done);
        progress.signal();
        flush();
      });
    publishing.add(done);
  };
  const canPublish = () => publishing.size < maxPublishing && !lineageBacklogFull();

  let lastWriteAt = Number.NEGATIVE_INFINITY;
  let writeTimer: NodeJS.Timeout | undefined;
  const write = () => {
    if (writing !== undefined || unwritten.length === 0) return;
    const wait = lastWriteAt + options.lineageIntervalMs - performance.now();
    if (running && wait > 0 && !lineageBacklogFull()) {
      writeTimer ??= setTimeout(() => {
        writeTimer = undefined;
        write();
      }, wait);
      return;
    }
    if (writeTimer !== undefined) clearTimeout(writeTimer);
    writeTimer = undefined;
    lastWriteAt = performance.now();
    const ready = unwritten.splice(0);
    writing = writeLineage(ready)
      .catch((error: unknown) => logger.error({ err: error }, 'lineage write failed unexpectedly'))
      .finally(() => {
        writing = undefined;
        progress.signal();
        write();
      });
    flush(); // stage 1 may have been waiting for room
  };

  // Messages waiting on a slow or absent ClickHouse stay with this worker, published or not:
  // every `keepAliveMs`, an in-progress ack for each held that long. Were one waiting behind a
  // paused stage 1 redelivered to another worker, each would publish it, perhaps further apart
  // than the output stream's duplicate window.
  const keepAlive = setInterval(() => messages.keepAlive(keepAliveMs), keepAliveMs);

  async function publishBatch(batch: readonly PulledMessage[]): Promise<void> {
    const startedAt = performance.now();
    const settled: Settled[] = [];
    for (const message of batch) {
      const delivery = message.info.deliveryCount;
      const body = message.data;
      const subject = subjectOf(message.subject);
      try {
        const decision = options.decide({
          subject,
          body,
          deliveryCount: delivery,
        });
        settled.push({ message, body, decision, decidedAt: now() });
      } catch (error) {
        // A bug or a poison message: retry a few times, then keep it for a person.
        logger.error({ err: error, subject, seq: message.seq, delivery }, 'decision failed');
        if (delivery < options.maxDeliveries) {
          counters.retried += 1;
          message.nak(retryDelayMs(delivery));
          continue;
        }
        settled.push({
          message,
          body,
          decision: processingFailed(subject, delivery, error),
          decidedAt: now(),
        });
      }
    }
    if (settled.length === 0) return;
    let rows: LineageRow[];
    const reused = new Map<number, PublishedOutput>();
    let recorded = new Map<number, PublishedOutput>();
    try {
      // A redelivery may follow a worker that published it and died before its lineage was
      // written: that output is reused rather than published again (unless the decision has
      // changed since, and with it the output stream). Every message is looked for, not only
      // those with a delivery count above 1: nats-server 2.9 may count a message given back
      // by a stopped worker's outstanding pull as not delivered, and its next delivery as 1.
      const outputs = settled.filter(({ decision }) => decision.outcome !== 'delayed');
      if (options.published !== undefined)
        recorded = await options.published.find(outputs.map(({ message }) => message.seq));
      for (const { message, decision } of outputs) {
        const output = recorded.get(message.seq);
        const stream = decision.outcome === 'accepted' ? Streams.Governed : Streams.DeadLetter;
        if (output?.stream === stream) reused.set(message.seq, output);
      }
      const outbound: OutboundMessage[] = [];
      const outboundIndex: number[] = [];
      settled.forEach((item, index) => {
        if (reused.has(item.message.seq)) return;
        const output = outputFor(item);
        if (output === undefined) return;
        outboundIndex[index] = outbound.length;
        outbound.push(output);
      });
      const decidedAt = performance.now();
      const acks = await publisher.publishAll(outbound);
      rows = settled.map((item, index) => {
        const at = outboundIndex[index];
        const output = at === undefined ? reused.get(item.message.seq) : acks[at];
        return toLineageRow(item.decision, {
          ingestSeq: item.message.seq,
          receivedAt: Math.floor(Number(item.message.info.timestampNanos) / 1_000_000),
          decidedAt: item.decidedAt,
          sizeBytes: item.body.byteLength,
          delivery: item.message.info.deliveryCount,
          outputStream: output?.stream ?? '',
          outputSeq: output?.seq ?? 0,
          workerId: options.workerId,
        });
      });
      logger.debug(
        {
          size: settled.length,
          decideMs: Math.round(decidedAt - startedAt),
          publishMs: Math.round(performance.now() - decidedAt),
        },
        'batch published',
      );
    } catch (error) {
      redeliver(settled, error, 'batch not published; redelivering');
      return;
    }
    unwritten.push({ settled, rows, recorded: [...recorded.keys()] });
    write();
  }

  async function writeLineage(ready: readonly Published[]): Promise<void> {
    const startedAt = performance.now();
    const settled = ready.flatMap((published) => published.settled);
    const rows = ready.flatMap((published) => published.rows);
    // Once an insert has failed, the outputs are recorded: were this worker to die before the
    // lineage is written, the next one must not publish them again.
    let outputsRecorded = false;
    try {
      await retryWhileRunning(
        async () => {
          try {
            await store.insert(table, rows);
          } catch (error) {
            if (!outputsRecorded) outputsRecorded = await recordPublished(rows);
            throw error;
          }
        },
        () => running,
        (error, attempt) => {
          lastError = error.message;
          if (running)
            logger.warn(
              { err: error, size: settled.length, attempt },
              'lineage not written; retrying (outputs published, messages held)',
            );
        },
      );
    } catch (error) {
      redeliver(settled, error, 'lineage not written; redelivering');
      return;
    }
    logger.debug(
      { size: settled.length, lineageMs: Math.round(performance.now() - startedAt) },
      'lineage durable',
    );
    for (const { message, decision } of settled) {
      if (decision.outcome === 'delayed') {
        counters.delayed += 1;
        message.nak(decision.delayMs);
      } else {
        counters[decision.outcome] += 1;
        message.ack();
      }
    }
    counters.batches += 1;
    lastBatchAt = now();
    lastError = undefined;
    // What this worker recorded, and what it found recorded by another (each once).
    const recordedSeqs = new Set(ready.flatMap((published) => published.recorded));
    if (outputsRecorded)
      for (const row of rows) if (row.output_seq > 0) recordedSeqs.add(row.ingest_seq);
    if (recordedSeqs.size > 0)
      options.published?.forget([...recordedSeqs]).catch((error: unknown) => {
        // Harmless: a record outliving its lineage is only read for a redelivery, never made.
        logger.warn({ err: error }, 'published outputs not forgotten');
      });
  }

  /** Records the outputs of `rows`; false when there is no record or it failed (logged). */
  async function recordPublished(rows: readonly LineageRow[]): Promise<boolean> {
    if (options.published === undefined) return false;
    const outputs = new Map<number, PublishedOutput>();
    for (const row of rows)
      if (row.output_seq > 0)
        outputs.set(row.ingest_seq, { stream: row.output_stream, seq: row.output_seq });
    try {
      await options.published.record(outputs);
      return true;
    } catch (error) {
      logger.warn(
        { err: error, size: outputs.size },
        'published outputs not recorded: a redelivery after this worker dies relies on the duplicate window',
      );
      return false;
    }
  }

  function redeliver(settled: readonly Settled[], error: unknown, message: string): void {
    lastError = error instanceof Error ? error.message : String(error);
    logger.warn({ err: error, size: settled.length }, message);
    for (const item of settled) {
      counters.retried += 1;
      item.message.nak(retryDelayMs(item.message.info.deliveryCount));
    }
  }

  function outputFor({ message, body, decision }: Settled): OutboundMessage | undefined {
    if (decision.outcome === 'delayed') return undefined;
    const identity =
      decision.envelope === undefined ? `ingest:${message.seq}` : envelopeKey(decision.envelope);
    // The connector's headers carry none of the worker's, so appending cannot duplicate one.
    const headers = connectorHeaders(message.headers);
    headers.append(WorkerHeader.IngestSubject, subjectOf(message.subject));
    headers.append(WorkerHeader.IngestSeq, String(message.seq));
    if (decision.contract !== undefined)
      headers.append(WorkerHeader.ContractVersion, String(decision.contract.version));
    if (decision.outcome === 'accepted') {
      if (decision.deprecated) headers.append(WorkerHeader.Deprecated, 'true');
      return {
        subject: Subjects.governed(decision.domain, decision.type),
        data: body,
        msgId: identity,
        headers,
      };
    }
    headers.append(WorkerHeader.Reason, decision.reason);
    headers.append(WorkerHeader.Detail, headerSafe(decision.detail));
    headers.append(WorkerHeader.Errors, errorsHeader(decision.errors));
    headers.append(
      WorkerHeader.ReceivedAt,
      String(Math.floor(Number(message.info.timestampNanos) / 1_000_000)),
    );
    // A replay that fails again is a new dead letter: its job id keeps JetStream's duplicate
    // window from mistaking it for the original.
    const replayJob = decision.envelope?.replayjob;
    return {
      subject: Subjects.deadLetter(decision.reason, subjectSafeType(decision.type)),
      data: body,
      msgId:
        typeof replayJob === 'string' && replayJob !== ''
          ? `${identity}:${decision.reason}:${replayJob}`
          : `${identity}:${decision.reason}`,
      headers,
    };
  }

  const loop = (async () => {
    for await (const message of messages) {
      pending.push(message);
      if (pending.length >= options.batchSize) {
        flush();
        // Backpressure: a full batch that cannot start waits until a stage makes room.
        while (pending.length >= options.batchSize && !canPublish()) await progress.next();
        flush();
      } else if (canPublish()) {
        timer ??= setTimeout(flush, options.batchLingerMs);
      }
    }
  })();

  return {
    stats: () => {
      const held = messages.held();
      return {
        running,
        ...counters,
        held: held.messages,
        heldBytes: held.bytes,
        lastBatchAt,
        lastError,
        partitions: claims?.held(),
      };
    },
    async stop() {
      if (!running) return;
      running = false;
      messages.stop();
      await loop;
      while (publishing.size > 0 || pending.length > 0 || writing !== undefined) {
        flush();
        await progress.next();
      }
      write(); // what the interval was holding back
      while (writing !== undefined) await progress.next();
      clearInterval(keepAlive);
      publisher.close();
      await claims?.stop(); // after the last ack: the next holder starts where this one ended
    },
  };
}

/** `next()` resolves at the following `signal()`: a way to wait for "something changed". */
function changeSignal(): { next(): Promise<void>; signal(): void } {
  let signal = () => {};
  let next = new Promise<void>((resolve) => (signal = resolve));
  return {
    next: () => next,
    signal() {
      signal();
      next = new Promise<void>((resolve) => (signal = resolve));
    },
  };
}

function processingFailed(subject: string, deliveries: number, error: unknown): Decision {
  const reason = error instanceof Error ? error.message : String(error);
  const parts = subject.split('.');
  return {
    outcome: 'rejected',
    reason: Reason.ProcessingFailed,
    detail: `the worker failed on this message ${deliveries} times: ${reason}`,
    errors: [],
    envelope: undefined,
    contract: undefined,
    source: parts[1] ?? '',
    type: parts.slice(2).join('.'),
  };
}

/** Headers the worker writes on its outputs; only the worker may (see `connectorHeaders`). */
const WorkerHeader = {
  ...DeadLetterHeader,
  Deprecated: 'Plumbline-Deprecated',
} as const;
const workerHeaderNames = new Set(Object.values(WorkerHeader).map((name) => name.toLowerCase()));

/**
 * The connector's headers, to travel with its message, minus JetStream's own (`Nats-*`) and the
 * worker's: a connector cannot pass a message off as dead-lettered for another reason, or as
 * checked against another contract version.
 */
function connectorHeaders(source: MsgHdrs | undefined): MsgHdrs {
  const out = natsHeaders();
  if (source === undefined) return out;
  for (const [key, values] of source) {
    const name = key.toLowerCase();
    if (name.startsWith('nats-') || workerHeaderNames.has(name)) continue;
    for (const value of values) out.append(key, value);
  }
  return out;
}

/**
 * Validation errors for the dead-letter index: pointers, keywords and messages (never values),
 * as JSON, at most 20 and 4 KB.
 */
function errorsHeader(errors: readonly ValidationError[]): string {
  const kept: ValidationError[] = [];
  let size = 2;
  for (const error of errors.slice(0, 20)) {
    const item = {
      pointer: error.pointer.slice(0, 200),
      keyword: error.keyword.slice(0, 50),
      message: headerSafe(error.message).slice(0, 200),
    };
    size += JSON.stringify(item).length + 1;
    if (size > 4_000) break;
    kept.push(item);
  }
  return JSON.stringify(kept);
}

/** Header values are single-line and bounded. */
function headerSafe(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 1_000);
}

/** Types reach here from a valid subject or are empty; never produce an empty token. */
function subjectSafeType(type: string): string {
  return type === '' ? 'unknown' : type;
}

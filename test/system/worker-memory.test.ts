/**
 * What a worker holds while ClickHouse is away (its lineage inserts held by `GatedStore`):
 * - at most its budget, in bytes as well as messages: a flood of large envelopes stays in INGEST
 *   beyond `PLUMBLINE_WORKER_MAX_HELD_MB`, and every one is governed once ClickHouse is back;
 * - all of it kept from redelivery, published or not (the ack wait is cut to two seconds).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { startWorker } from '@plumbline/cli';
import { GovernanceConsumer, Streams } from '@plumbline/platform';
import { encode, ingestSubject, validEnvelope } from '../support/envelopes';
import { eventually } from '../support/eventually';
import { GatedStore } from '../support/gated-store';
import { startTestPlumbline, type TestPlumbline } from '../support/test-plumbline';

const MiB = 1024 * 1024;
const budgetMiB = 16;
const batchSize = 5;
let plumbline: TestPlumbline;
const gate = new GatedStore('lineage_v1');

beforeAll(async () => {
  plumbline = await startTestPlumbline({
    workers: 0,
    env: {
      PLUMBLINE_WORKER_MAX_HELD_MB: String(budgetMiB),
      PLUMBLINE_WORKER_BATCH: String(batchSize),
    },
  });
  const infra = plumbline.infra;
  const jsm = await jetstreamManager(infra.nc);
  await jsm.consumers.update(Streams.Ingest, GovernanceConsumer, { ack_wait: nanos(2_000) });
  plumbline.workers.push(await startWorker({ ...infra, store: gate.wrap(infra.store) }, 'small'));
});
afterAll(async () => {
  gate.release();
  await plumbline?.stop();
});

const ingestConsumer = async () =>
  (await jetstreamManager(plumbline.infra.nc)).consumers.info(Streams.Ingest, GovernanceConsumer);

it('holds at most its byte budget of large envelopes while ClickHouse is away, then governs all', async () => {
  gate.held = true;
  const count = 40;
  for (let i = 0; i < count; i += 1) {
    // 1 MiB each: over the payload policy's limit, so each is dead-lettered as too_large.
    const envelope = { ...validEnvelope('invoice.posted'), padding: 'x'.repeat(MiB) };
    await plumbline.publish(ingestSubject(envelope), encode(envelope), `big:${envelope.id}`);
  }
  await eventually('the first lineage insert, held', () =>
    Promise.resolve(gate.inserts > 0 || undefined),
  );
  // Long enough for a worker bounded by count alone to take all 40 (it would hold 40 MiB).
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const held = await ingestConsumer();
  expect(held.num_ack_pending).toBeLessThanOrEqual(budgetMiB);
  expect(held.num_ack_pending).toBeGreaterThan(0);
  expect(held.num_pending).toBeGreaterThanOrEqual(count - budgetMiB);
  const stats = plumbline.workers[0]!.worker.stats();
  expect(stats.heldBytes).toBeLessThanOrEqual(budgetMiB * MiB);
  expect(stats.held).toBe(held.num_ack_pending);

  gate.release();
  // This Plumbline has seen nothing else: every row and dead letter is one of these.
  const rows = await plumbline.waitForLineage(count);
  expect(rows).toHaveLength(count);
  expect(new Set(rows.map((row) => row.reason))).toEqual(new Set(['too_large']));
  await eventually('every envelope acked', async () => {
    const info = await ingestConsumer();
    return info.num_ack_pending === 0 && info.num_pending === 0 ? info : undefined;
  });
  const deadLetters = await plumbline.streamMessages(Streams.DeadLetter, 'dlq.too_large.>');
  expect(deadLetters).toHaveLength(count);
});

it('keeps what waits behind a paused stage 1 from redelivery, so each output is published once', async () => {
  gate.held = true;
  const before = (await ingestConsumer()).delivered.consumer_seq;
  const count = 6 * batchSize;
  for (let i = 0; i < count; i += 1) {
    const envelope = validEnvelope('invoice.posted');
    await plumbline.publish(ingestSubject(envelope), encode(envelope), `small:${envelope.id}`);
  }
  await eventually('the worker holding all of them', () =>
    Promise.resolve(plumbline.workers[0]!.worker.stats().held === count || undefined),
  );
  // Three ack waits: long enough for JetStream to redeliver anything not kept alive.
  await new Promise((resolve) => setTimeout(resolve, 6_000));
  const governed = () => plumbline.streamMessages(Streams.Governed, 'gov.>');
  // Stage 1 paused with a full batch waiting for its lineage: the rest is not even published.
  expect((await governed()).length).toBeLessThan(count);

  gate.release();
  await eventually('every envelope acked', async () => {
    const info = await ingestConsumer();
    return info.num_ack_pending === 0 && info.num_pending === 0 ? info : undefined;
  });
  expect((await ingestConsumer()).delivered.consumer_seq - before).toBe(count);
  expect(await governed()).toHaveLength(count);
});

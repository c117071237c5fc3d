/**
 * The worker's two stages on the real parts: outputs are published without waiting for
 * ClickHouse, and a message is acknowledged only once its lineage row is written. The lineage
 * insert is held or failed by a thin wrapper around the real chDB store (`GatedStore`). The
 * shared consumer's ack wait is cut to two seconds, so that holding messages past it takes
 * seconds, not minutes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { startWorker } from '@plumbline/cli';
import { GovernanceConsumer, Streams } from '@plumbline/platform';
import { encode, ingestSubject, validEnvelope, type TestEnvelope } from '../support/envelopes';
import { GatedStore } from '../support/gated-store';
import { startTestPlumbline, type TestPlumbline } from '../support/test-plumbline';

let plumbline: TestPlumbline;
const gate = new GatedStore('lineage_v1');
const ackWaitMs = 2_000;

beforeAll(async () => {
  plumbline = await startTestPlumbline({ workers: 0 });
  const infra = plumbline.infra;
  const jsm = await jetstreamManager(infra.nc);
  await jsm.consumers.update(Streams.Ingest, GovernanceConsumer, { ack_wait: nanos(ackWaitMs) });
  plumbline.workers.push(await startWorker({ ...infra, store: gate.wrap(infra.store) }, 'gated'));
});
afterAll(async () => {
  gate.release();
  await plumbline?.stop();
});

const publish = (envelope: TestEnvelope) =>
  plumbline.publish(ingestSubject(envelope), encode(envelope), `${envelope.source}:${envelope.id}`);

const keyOf = (envelope: TestEnvelope) => `${envelope.source}:${envelope.id}`;

async function governedCopies(envelopes: readonly TestEnvelope[]): Promise<number> {
  const governed = await plumbline.streamMessages(Streams.Governed, 'gov.>');
  return governed.filter((message) => envelopes.some((e) => message.data.includes(e.id))).length;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const unacknowledged = async () => {
  const jsm = await jetstreamManager(plumbline.infra.nc);
  const info = await jsm.consumers.info(Streams.Ingest, GovernanceConsumer);
  return info.num_ack_pending + info.num_pending;
};

it('publishes outputs while ClickHouse is busy, and acks only once the lineage is written', async () => {
  gate.held = true;
  const envelopes = [
    validEnvelope('invoice.posted'),
    validEnvelope('payment.recorded'),
    validEnvelope('timesheet.approved'),
    validEnvelope('milestone.changed'),
  ];
  // One at a time, so that each is a batch of its own: none waits for another's lineage.
  for (const [index, envelope] of envelopes.entries()) {
    await publish(envelope);
    await eventually(
      () => governedCopies(envelopes),
      (copies) => copies === index + 1,
    );
  }
  const keys = envelopes.map(keyOf);
  expect(await unacknowledged()).toBe(envelopes.length);
  expect(await plumbline.lineage('envelope_key IN {keys:Array(String)}', { keys })).toEqual([]);

  gate.release();
  const rows = await plumbline.waitForLineage(4, 'envelope_key IN {keys:Array(String)}', { keys });
  expect(rows.map((row) => row.outcome)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
  expect(rows.every((row) => row.output_stream === Streams.Governed && row.output_seq > 0)).toBe(
    true,
  );
  await eventually(unacknowledged, (count) => count === 0);
});

/** Deliveries the shared consumer has made so far, redeliveries included. */
const deliveries = async () => {
  const jsm = await jetstreamManager(plumbline.infra.nc);
  return (await jsm.consumers.info(Streams.Ingest, GovernanceConsumer)).delivered.consumer_seq;
};

it('retries a lineage write that fails in place: one output, one delivery, one row each', async () => {
  gate.failures = 2;
  const insertsBefore = gate.inserts;
  const deliveredBefore = await deliveries();
  const envelopes = [validEnvelope('invoice.posted'), validEnvelope('change_order.approved')];
  for (const envelope of envelopes) await publish(envelope);

  const rows = await plumbline.waitForLineage(2, 'envelope_key IN {keys:Array(String)}', {
    keys: envelopes.map(keyOf),
  });
  expect(gate.failures).toBe(0);
  expect(gate.inserts - insertsBefore).toBeGreaterThanOrEqual(3);
  expect(rows.map((row) => [row.outcome, Number(row.delivery)])).toEqual([
    ['accepted', 1],
    ['accepted', 1],
  ]);
  expect(await governedCopies(envelopes)).toBe(envelopes.length);
  await eventually(unacknowledged, (count) => count === 0);
  expect((await deliveries()) - deliveredBefore).toBe(envelopes.length);
  expect(plumbline.workers[0]!.worker.stats().lastError).toBeUndefined();
});

it('keeps messages past the ack wait while ClickHouse is away, without a redelivery', async () => {
  gate.held = true;
  const deliveredBefore = await deliveries();
  const envelopes = [validEnvelope('payment.recorded'), validEnvelope('budget.revised')];
  for (const envelope of envelopes) await publish(envelope);
  await eventually(
    () => governedCopies(envelopes),
    (copies) => copies === envelopes.length,
  );
  await new Promise((resolve) => setTimeout(resolve, 3 * ackWaitMs));
  expect(await unacknowledged()).toBe(envelopes.length);
  expect(plumbline.workers[0]!.worker.stats().held).toBe(envelopes.length);
  expect((await deliveries()) - deliveredBefore).toBe(envelopes.length);

  gate.release();
  const keys = envelopes.map(keyOf);
  const rows = await plumbline.waitForLineage(2, 'envelope_key IN {keys:Array(String)}', { keys });
  expect(rows.map((row) => Number(row.delivery))).toEqual([1, 1]);
  await eventually(unacknowledged, (count) => count === 0);
  expect((await deliveries()) - deliveredBefore).toBe(envelopes.length);
  expect(await governedCopies(envelopes)).toBe(envelopes.length);
});

it('writes a steady flow as a few lineage inserts, at least the lineage interval apart', async () => {
  const envelopes = Array.from({ length: 20 }, () => validEnvelope('invoice.posted'));
  const keys = envelopes.map(keyOf);
  const insertsBefore = gate.inserts;
  const startedAt = Date.now();
  for (const envelope of envelopes) {
    await publish(envelope);
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
  await plumbline.waitForLineage(20, 'envelope_key IN {keys:Array(String)}', { keys });
  const elapsedMs = Date.now() - startedAt;
  const inserts = gate.inserts - insertsBefore;
  // Twenty batches of one (40 ms apart, the linger is 5 ms), but one insert per 200 ms at most.
  expect(inserts).toBeGreaterThan(0);
  expect(inserts).toBeLessThanOrEqual(Math.ceil(elapsedMs / 200) + 1);
  await eventually(unacknowledged, (count) => count === 0);
});

/** Publishes `envelope` while every lineage insert fails, once its insert has failed twice. */
async function publishDuringOutage(envelope: TestEnvelope): Promise<void> {
  gate.failures = Number.POSITIVE_INFINITY;
  const insertsBefore = gate.inserts;
  await publish(envelope);
  await eventually(
    () => Promise.resolve(gate.inserts - insertsBefore),
    (attempts) => attempts >= 2,
  );
}

it('gives held messages back to JetStream when it stops while ClickHouse is away', async () => {
  const gated = plumbline.workers[0]!;
  const envelope = validEnvelope('commitment.updated');
  const key = keyOf(envelope);
  await publishDuringOutage(envelope);
  await gated.stop();
  expect(await plumbline.lineage('envelope_key = {key:String}', { key })).toEqual([]);
  expect(await unacknowledged()).toBe(1);

  // The next worker takes it over: its row is the second delivery's, its output still one copy.
  gate.failures = 0;
  const infra = plumbline.infra;
  plumbline.workers.push(await startWorker({ ...infra, store: gate.wrap(infra.store) }, 'next'));
  const rows = await plumbline.waitForLineage(1, 'envelope_key = {key:String}', { key });
  expect(rows.map((row) => Number(row.delivery))).toEqual([2]);
  expect(await governedCopies([envelope])).toBe(1);
  await eventually(unacknowledged, (count) => count === 0);
});

it('does not publish again what a worker gone during an outage published, however late the redelivery', async () => {
  // GOVERNED's duplicate window, cut to a second, is long past when the message comes back.
  const jsm = await jetstreamManager(plumbline.infra.nc);
  const governed = (await jsm.streams.info(Streams.Governed)).config;
  await jsm.streams.update(Streams.Governed, { ...governed, duplicate_window: nanos(1_000) });
  try {
    const holder = plumbline.workers.at(-1)!;
    const envelope = validEnvelope('invoice.posted');
    const key = keyOf(envelope);
    await publishDuringOutage(envelope);
    const [output] = (await plumbline.streamMessages(Streams.Governed, 'gov.>')).filter((message) =>
      message.data.includes(envelope.id),
    );
    // Stopped during the outage, it gives the message back unacked, as a death leaves it.
    await holder.stop();
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    gate.failures = 0;
    const infra = plumbline.infra;
    plumbline.workers.push(
      await startWorker({ ...infra, store: gate.wrap(infra.store) }, 'after-outage'),
    );
    const rows = await plumbline.waitForLineage(1, 'envelope_key = {key:String}', { key });
    // Its row names the first output (its delivery count may say 1: see the worker).
    expect(rows.map((row) => [row.worker_id, Number(row.output_seq)])).toEqual([
      ['after-outage', output?.seq],
    ]);
    expect(await governedCopies([envelope])).toBe(1);
    await eventually(unacknowledged, (count) => count === 0);
    // The record goes once the lineage is written, leaving nothing to look up.
    await eventually(
      async () => (await plumbline.infra.buckets.published.status()).values,
      (values) => values === 0,
    );
  } finally {
    await jsm.streams.update(Streams.Governed, governed);
  }
});

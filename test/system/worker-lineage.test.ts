/**
 * The worker's two stages on the real parts: outputs are published without waiting for
 * ClickHouse, and a message is acknowledged only once its lineage row is written. The lineage
 * insert is held or failed by a thin wrapper around the real chDB store (`GatedStore`).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { startWorker } from '@plumbline/cli';
import { GovernanceConsumer, Streams } from '@plumbline/platform';
import { encode, ingestSubject, validEnvelope, type TestEnvelope } from '../support/envelopes';
import { GatedStore } from '../support/gated-store';
import { startTestPlumbline, type TestPlumbline } from '../support/test-plumbline';

let plumbline: TestPlumbline;
const gate = new GatedStore('lineage_v1');

beforeAll(async () => {
  plumbline = await startTestPlumbline({ workers: 0 });
  const infra = plumbline.infra;
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

it('redelivers the messages of a lineage write that fails: one output and one row each', async () => {
  gate.failures = 1;
  const envelopes = [validEnvelope('invoice.posted'), validEnvelope('change_order.approved')];
  for (const envelope of envelopes) await publish(envelope);

  const rows = await plumbline.waitForLineage(2, 'envelope_key IN {keys:Array(String)}', {
    keys: envelopes.map(keyOf),
  });
  expect(gate.failures).toBe(0);
  expect(rows.map((row) => [row.outcome, Number(row.delivery)])).toEqual([
    ['accepted', 2],
    ['accepted', 2],
  ]);
  expect(await governedCopies(envelopes)).toBe(envelopes.length);
  await eventually(unacknowledged, (count) => count === 0);
  expect(plumbline.workers[0]!.worker.stats().lastError).toBeUndefined();
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

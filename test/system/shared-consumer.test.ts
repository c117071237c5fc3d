/**
 * Worker processes share INGEST's durable consumer: each pulls within its own budget, and each
 * envelope is governed by one of them, once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { GovernanceConsumer, Streams } from '@plumbline/platform';
import { encode, ingestSubject, validEnvelope } from '../support/envelopes';
import { eventually } from '../support/eventually';
import { startTestPlumbline, type TestPlumbline } from '../support/test-plumbline';

let plumbline: TestPlumbline;

beforeAll(async () => {
  // Batches of 50: each worker asks for at most 300 messages at a time, so both get a share.
  plumbline = await startTestPlumbline({ workers: 2, env: { PLUMBLINE_WORKER_BATCH: '50' } });
});
afterAll(async () => {
  await plumbline?.stop();
});

it('two workers drain INGEST together: every envelope governed once, by one of them', async () => {
  const count = 2_000;
  const ids: string[] = [];
  for (let sent = 0; sent < count; sent += 100) {
    const publishes = [];
    for (let i = 0; i < 100; i += 1) {
      const envelope = validEnvelope('invoice.posted');
      ids.push(envelope.id);
      publishes.push(
        plumbline.publish(ingestSubject(envelope), encode(envelope), `odoo:${envelope.id}`),
      );
    }
    await Promise.all(publishes);
  }
  const jsm = await jetstreamManager(plumbline.infra.nc);
  await eventually('every envelope acked', async () => {
    const info = await jsm.consumers.info(Streams.Ingest, GovernanceConsumer);
    return info.num_pending === 0 && info.num_ack_pending === 0 ? info : undefined;
  });

  const rows = await plumbline.waitForLineage(count, 'envelope_id IN {ids:Array(String)}', { ids });
  expect(new Set(rows.map((row) => row.envelope_id)).size).toBe(count);
  expect(rows.every((row) => row.outcome === 'accepted')).toBe(true);
  const byWorker = new Map<string, number>();
  for (const row of rows) byWorker.set(row.worker_id, (byWorker.get(row.worker_id) ?? 0) + 1);
  expect([...byWorker.keys()].sort()).toEqual(['test-worker-0', 'test-worker-1']);

  const governed = await plumbline.streamMessages(Streams.Governed, 'gov.*.invoice.posted');
  const sent = new Set(ids);
  const copies = governed.filter((message) =>
    sent.has((JSON.parse(message.data) as { id: string }).id),
  );
  expect(copies).toHaveLength(count);
  for (const runtime of plumbline.workers)
    expect(runtime.worker.stats()).toMatchObject({ held: 0, heldBytes: 0 });
});

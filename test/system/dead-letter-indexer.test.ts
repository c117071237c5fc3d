/**
 * The dead-letter indexer on the real parts (nats-server, chDB), with its index writes held or
 * failed by `GatedStore`: what it holds while ClickHouse is slow, and that nothing is lost.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import { DeadLetterHeader } from '@plumbline/core';
import { startDeadLetterIndexer, type DeadLetterIndexer } from '@plumbline/governance';
import {
  DeadLetterIndex,
  DeadLetterIndexConsumer,
  Streams,
  Subjects,
  createLogger,
} from '@plumbline/platform';
import { eventually } from '../support/eventually';
import { GatedStore } from '../support/gated-store';
import { startTestPlumbline, type TestPlumbline } from '../support/test-plumbline';

const batchSize = 10;
const gate = new GatedStore('dead_letters_v1');
let plumbline: TestPlumbline;
let indexer: DeadLetterIndexer;

/** An indexer whose index writes go through the gate. */
const startIndexer = () =>
  startDeadLetterIndexer({
    nc: plumbline.infra.nc,
    maxHeldBytes: 64 * 1024 * 1024,
    index: new DeadLetterIndex(gate.wrap(plumbline.infra.store)),
    businessKeyOf: () => '',
    logger: createLogger('silent'),
    batchSize,
    lingerMs: 20,
  });

beforeAll(async () => {
  plumbline = await startTestPlumbline({ workers: 0 });
  indexer = await startIndexer();
});
afterAll(async () => {
  gate.release();
  await indexer?.stop();
  await plumbline?.stop();
});

/** Dead letters as the worker writes them: original bytes, reason headers, one id each. */
async function publishDeadLetters(prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const headers = natsHeaders();
    headers.set(DeadLetterHeader.Reason, 'malformed');
    headers.set(DeadLetterHeader.Detail, 'not JSON (test)');
    headers.set(DeadLetterHeader.IngestSubject, 'ingest.odoo.invoice.posted');
    headers.set(DeadLetterHeader.IngestSeq, String(i + 1));
    await plumbline.js.publish(
      Subjects.deadLetter('malformed', 'invoice.posted'),
      `{"id":"${prefix}-${i}`,
      { msgID: `${prefix}-${i}`, headers },
    );
  }
}

const indexConsumer = async () => {
  const jsm = await jetstreamManager(plumbline.infra.nc);
  return jsm.consumers.info(Streams.DeadLetter, DeadLetterIndexConsumer);
};

it('stops pulling while a write is held and a full batch waits, then indexes every dead letter', async () => {
  gate.held = true;
  const count = 20 * batchSize;
  await publishDeadLetters('held', count);
  await eventually('the first index write', () =>
    Promise.resolve(gate.inserts > 0 ? true : undefined),
  );
  // Long enough for an indexer without backpressure to take all of them (20 pulls' worth).
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const held = await indexConsumer();
  // At most the indexer's budget: four batches (one in the held write, the rest waiting).
  expect(held.num_ack_pending).toBeLessThanOrEqual(4 * batchSize);
  expect(held.num_pending).toBeGreaterThan(0);

  gate.release();
  const done = await eventually('every dead letter indexed', async () => {
    const info = await indexConsumer();
    return info.num_ack_pending === 0 && info.num_pending === 0 ? info : undefined;
  });
  expect(done.ack_floor.stream_seq).toBe(count);
  const [indexed] = await plumbline.infra.store.query<{ n: string }>(
    `SELECT count() AS n FROM ${plumbline.infra.store.database}.dead_letters_v1 FINAL
     WHERE envelope_key LIKE 'stream:%'`,
  );
  expect(Number(indexed?.n)).toBe(count);
});

it('retries a failed write in place: indexed once it succeeds, without a redelivery', async () => {
  const before = await indexConsumer();
  gate.failures = 2;
  await publishDeadLetters('failed', batchSize);
  const done = await eventually(
    'the dead letters indexed after the failures',
    async () => {
      const info = await indexConsumer();
      return info.ack_floor.stream_seq === before.ack_floor.stream_seq + batchSize &&
        info.num_ack_pending === 0
        ? info
        : undefined;
    },
    15_000,
  );
  expect(gate.failures).toBe(0);
  expect(done.num_pending).toBe(0);
  expect(done.delivered.consumer_seq - before.delivered.consumer_seq).toBe(batchSize);
});

it('gives held dead letters back when it stops while ClickHouse is away; the next indexes them', async () => {
  const before = await indexConsumer();
  gate.failures = Number.POSITIVE_INFINITY;
  const inserts = gate.inserts;
  await publishDeadLetters('stopped', batchSize);
  await eventually('a failed write and its retry', () =>
    Promise.resolve(gate.inserts >= inserts + 2 || undefined),
  );
  await indexer.stop();
  const given = await indexConsumer();
  expect(given.num_ack_pending + given.num_pending).toBe(batchSize);

  gate.failures = 0;
  indexer = await startIndexer();
  const done = await eventually('indexed by the next indexer', async () => {
    const info = await indexConsumer();
    return info.ack_floor.stream_seq === before.ack_floor.stream_seq + batchSize &&
      info.num_ack_pending === 0
      ? info
      : undefined;
  });
  expect(done.num_pending).toBe(0);
});

/**
 * The broker restarts under a running Plumbline (an upgrade, a host reboot): the worker, its
 * publisher and the KV mirrors reconnect on their own, and what was published before the restart
 * (part of it published to GOVERNED but not yet acked when the broker went, its lineage insert
 * held by `GatedStore`) and after it is governed once each, with nothing lost. The shared
 * consumer's ack wait is cut to two seconds, so that what the worker held is redelivered in
 * seconds if its acks were lost.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { startWorker } from '@plumbline/cli';
import { GovernanceConsumer, Streams } from '@plumbline/platform';
import { encode, ingestSubject, validEnvelope, type TestEnvelope } from '../support/envelopes';
import { eventually } from '../support/eventually';
import { GatedStore } from '../support/gated-store';
import { startTestPlumbline, type TestPlumbline } from '../support/test-plumbline';

let plumbline: TestPlumbline;
const gate = new GatedStore('lineage_v1');

beforeAll(async () => {
  plumbline = await startTestPlumbline({ workers: 0 });
  const infra = plumbline.infra;
  const jsm = await jetstreamManager(infra.nc);
  await jsm.consumers.update(Streams.Ingest, GovernanceConsumer, { ack_wait: nanos(2_000) });
  plumbline.workers.push(await startWorker({ ...infra, store: gate.wrap(infra.store) }, 'gated'));
});
afterAll(async () => {
  gate.release();
  await plumbline?.stop();
});

const unacknowledged = async () => {
  const jsm = await jetstreamManager(plumbline.infra.nc);
  const info = await jsm.consumers.info(Streams.Ingest, GovernanceConsumer);
  return info.num_ack_pending + info.num_pending;
};
const governedCopies = async (envelopes: readonly TestEnvelope[]) => {
  const governed = await plumbline.streamMessages(Streams.Governed, 'gov.>');
  return envelopes.map(
    (envelope) => governed.filter((message) => message.data.includes(envelope.id)).length,
  );
};

const keyOf = (envelope: TestEnvelope) => `${envelope.source}:${envelope.id}`;
const publishAll = (envelopes: readonly TestEnvelope[]) =>
  Promise.all(
    envelopes.map((envelope) =>
      plumbline.publish(ingestSubject(envelope), encode(envelope), keyOf(envelope)),
    ),
  );
const types = ['invoice.posted', 'change_order.approved', 'timesheet.approved', 'payment.recorded'];
const envelopes = (count: number) =>
  Array.from({ length: count }, (_, index) => validEnvelope(types[index % types.length]));

it('carries on after a nats-server restart: every envelope governed once, none lost', async () => {
  const settled = envelopes(40);
  await publishAll(settled);
  await plumbline.waitForLineage(40, 'envelope_key IN {keys:Array(String)}', {
    keys: settled.map(keyOf),
  });
  // Published to GOVERNED, lineage not written, not acked when the broker goes.
  gate.held = true;
  const inFlight = envelopes(200);
  await publishAll(inFlight);
  await eventually('the batch on GOVERNED', async () =>
    (await governedCopies(inFlight)).every((count) => count === 1) ? true : undefined,
  );
  expect(await unacknowledged()).toBe(inFlight.length);
  await plumbline.nats.restart();
  gate.release();

  // The client reconnects by itself; publishing resumes once JetStream answers again.
  await eventually('JetStream back', () =>
    jetstreamManager(plumbline.infra.nc)
      .then((jsm) => jsm.streams.info(Streams.Ingest))
      .then(
        () => true,
        () => undefined,
      ),
  );
  const after = envelopes(40);
  await publishAll(after);

  const all = [...settled, ...inFlight, ...after];
  const keys = all.map(keyOf);
  const rows = await plumbline.waitForLineage(
    all.length,
    'envelope_key IN {keys:Array(String)}',
    { keys },
    30_000,
  );
  expect(rows.filter((row) => row.outcome === 'accepted')).toHaveLength(all.length);
  expect((await governedCopies(all)).filter((count) => count !== 1)).toEqual([]);
  await eventually('every message acked', async () =>
    (await unacknowledged()) === 0 ? true : undefined,
  );
  expect(plumbline.workers[0]!.worker.stats().running).toBe(true);
});

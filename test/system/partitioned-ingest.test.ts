/**
 * INGEST cut by source (`PLUMBLINE_INGEST_PARTITIONS`): the server maps every connector subject
 * to a partition, each partition has its own consumer, and the workers share the partitions
 * under leases, one worker per partition at a time. So a source's rate limits hold exactly
 * however many workers run, and a worker's partitions pass to the others when it stops or dies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { ErrorCode } from '@plumbline/core';
import {
  IngestPartitions,
  KvLease,
  Streams,
  connectNats,
  ensureTopology,
  governanceConsumers,
  verifyIngestMapping,
} from '@plumbline/platform';
import { PartitionLeases } from '@plumbline/governance';
import { healthProbes, startWorker } from '@plumbline/cli';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  encode,
  ingestSubject,
  validEnvelope,
  validEnvelopes,
  type TestEnvelope,
} from '../support/envelopes';
import { eventually } from '../support/eventually';
import { startTestNats, type TestNats } from '../support/test-nats';
import { startTestPlumbline, type TestPlumbline } from '../support/test-plumbline';

const partitions = 4;

describe('two workers on four partitions', () => {
  let plumbline: TestPlumbline;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    plumbline = await startTestPlumbline({
      workers: 2,
      ingestPartitions: partitions,
      env: { PLUMBLINE_WORKER_BATCH: '50', PLUMBLINE_INGEST_PARTITION_LEASE_MS: '3000' },
    });
    jsm = await jetstreamManager(plumbline.infra.nc);
  });
  afterAll(async () => {
    await plumbline?.stop();
  });

  const held = () => plumbline.workers.map((runtime) => runtime.worker.stats().partitions ?? []);
  const balanced = (count: number) =>
    eventually(`the partitions shared by ${count} workers`, () => {
      const shares = held().slice(0, count);
      const all = shares.flat().sort();
      return Promise.resolve(
        all.join() === '0,1,2,3' && shares.every((share) => share.length === partitions / count)
          ? shares
          : undefined,
      );
    });
  const drained = () =>
    eventually('INGEST drained', async () => {
      for (const consumer of governanceConsumers(partitions)) {
        const info = await jsm.consumers.info(Streams.Ingest, consumer);
        if (info.num_pending + info.num_ack_pending > 0) return undefined;
      }
      return true;
    });
  const publishAll = async (envelopes: readonly TestEnvelope[]) => {
    for (let at = 0; at < envelopes.length; at += 100)
      await Promise.all(
        envelopes
          .slice(at, at + 100)
          .map((envelope) =>
            plumbline.publish(
              ingestSubject(envelope),
              encode(envelope),
              `${envelope.source}:${envelope.id}`,
            ),
          ),
      );
  };

  it('keeps one consumer per partition, and the workers hold two partitions each', async () => {
    const info = await jsm.streams.info(Streams.Ingest);
    expect(info.config.subjects).toEqual(['ingest.0.>', 'ingest.1.>', 'ingest.2.>', 'ingest.3.>']);
    const consumers: string[] = [];
    for await (const consumer of jsm.consumers.list(Streams.Ingest)) consumers.push(consumer.name);
    expect(consumers.sort()).toEqual([
      'governance-p0',
      'governance-p1',
      'governance-p2',
      'governance-p3',
    ]);
    const [first, second] = await balanced(2);
    const probe = (index: number) => healthProbes(plumbline.infra, () => plumbline.workers[index]);
    expect(await probe(0).worker()).toMatchObject({
      up: true,
      detail: expect.stringContaining(
        `governing INGEST partition(s) ${first?.join(', ')}`,
      ) as unknown,
    });
    expect(await probe(1).worker()).toMatchObject({
      detail: expect.stringContaining(`partition(s) ${second?.join(', ')}`) as unknown,
    });
  });

  it('governs every envelope once, each source by one worker, on the subject the connector used', async () => {
    const envelopes = validEnvelopes(1_500);
    const malformed = { subject: 'ingest.odoo.invoice.posted', body: '{"not": "an envelope"' };
    await publishAll(envelopes);
    await plumbline.publish(malformed.subject, malformed.body, 'odoo:malformed-partitioned');
    await drained();

    const ids = envelopes.map((envelope) => envelope.id);
    const rows = await plumbline.waitForLineage(ids.length, 'envelope_id IN {ids:Array(String)}', {
      ids,
    });
    expect(rows).toHaveLength(ids.length);
    expect(rows.every((row) => row.outcome === 'accepted')).toBe(true);
    const workersBySource = new Map<string, Set<string>>();
    for (const row of rows)
      workersBySource.set(
        row.source,
        (workersBySource.get(row.source) ?? new Set()).add(row.worker_id),
      );
    expect(workersBySource.size).toBeGreaterThan(2);
    for (const workers of workersBySource.values()) expect(workers.size).toBe(1);
    expect(new Set(rows.map((row) => row.worker_id)).size).toBe(2);

    // Stored under its partition; recorded and dead-lettered under the connector's subject.
    const [stored] = await plumbline.streamMessages(Streams.Ingest, 'ingest.*.odoo.invoice.posted');
    expect(stored?.subject).toMatch(/^ingest\.[0-3]\.odoo\.invoice\.posted$/);
    const [deadLetter] = await plumbline.streamMessages(
      Streams.DeadLetter,
      'dlq.malformed.invoice.posted',
    );
    expect(deadLetter?.headers['Plumbline-Ingest-Subject']).toBe(malformed.subject);
    const governed = await plumbline.streamMessages(Streams.Governed, 'gov.>');
    const sent = new Set(ids);
    expect(
      governed.filter((message) => sent.has((JSON.parse(message.data) as { id: string }).id)),
    ).toHaveLength(ids.length);
  });

  it("holds a source's rate limit exactly, whichever worker governs it", async () => {
    const current = await plumbline.policies.get();
    if (current === undefined) throw new Error('no policies loaded');
    const revisions = plumbline.workers.map((runtime) => runtime.policyRevision());
    await plumbline.policies.put({
      ...current,
      rateLimits: {
        ...current.rateLimits,
        rules: [
          {
            source: 'odoo',
            type: 'payment.recorded',
            perSecond: 0.001,
            burst: 10,
            action: 'reject',
          },
        ],
      },
    });
    try {
      await eventually('the policy in force in both workers', () =>
        Promise.resolve(
          plumbline.workers.every((runtime, i) => runtime.policyRevision() > (revisions[i] ?? 0)) ||
            undefined,
        ),
      );
      const envelopes = Array.from({ length: 40 }, () => validEnvelope('payment.recorded'));
      await publishAll(envelopes);
      const ids = envelopes.map((envelope) => envelope.id);
      const rows = await plumbline.waitForLineage(40, 'envelope_id IN {ids:Array(String)}', {
        ids,
      });
      expect(rows.filter((row) => row.outcome === 'accepted')).toHaveLength(10);
      expect(rows.filter((row) => row.reason === 'rate_limited')).toHaveLength(30);
      // One worker decided them all: the one holding odoo's partition (each holds two).
      expect(new Set(rows.map((row) => row.worker_id)).size).toBe(1);
      expect(held().map((share) => share.length)).toEqual([2, 2]);
    } finally {
      await plumbline.policies.put(current);
    }
  });

  it('passes a stopped worker’s partitions to the other, and shares them again with a new one', async () => {
    const stopped = plumbline.workers.splice(1, 1)[0];
    await stopped?.stop();
    await balanced(1);

    const before = Array.from({ length: 200 }, () => validEnvelope());
    await publishAll(before);
    await plumbline.waitForLineage(
      before.length,
      "envelope_id IN {ids:Array(String)} AND worker_id = 'test-worker-0'",
      { ids: before.map((envelope) => envelope.id) },
    );

    plumbline.workers.push(await startWorker(plumbline.infra, 'test-worker-2'));
    await balanced(2);
    const after = Array.from({ length: 400 }, () => validEnvelope());
    await publishAll(after);
    await drained();
    const rows = await plumbline.waitForLineage(
      after.length,
      'envelope_id IN {ids:Array(String)}',
      { ids: after.map((envelope) => envelope.id) },
    );
    expect(new Set(rows.map((row) => row.envelope_id)).size).toBe(after.length);
  });

  it('takes over the partitions of a worker that died, once their leases lapse', async () => {
    // A worker that died holding partitions: its heartbeat and leases simply stop being renewed.
    const leases = plumbline.infra.buckets.leases;
    const ghostId = 'ghost-worker';
    const ttlMs = 4_000;
    for (const runtime of plumbline.workers.splice(0)) await runtime.stop();
    await new KvLease(leases, PartitionLeases.worker(ghostId), ghostId, ttlMs).hold();
    for (const partition of [0, 1])
      expect(
        await new KvLease(leases, PartitionLeases.partition(partition), ghostId, ttlMs).hold(),
      ).toBe(true);

    plumbline.workers.push(await startWorker(plumbline.infra, 'test-worker-3'));
    const shares = () => plumbline.workers[0]?.worker.stats().partitions ?? [];
    await eventually('the free partitions taken', () =>
      Promise.resolve(shares().join() === '2,3' || undefined),
    );
    await eventually('the dead worker’s partitions taken over', () =>
      Promise.resolve(shares().join() === '0,1,2,3' || undefined),
    );
  });
});

describe('changing the number of partitions', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    nats = await startTestNats();
    nc = await connectNats(nats.url, 'partition-layout-test');
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  const consumerNames = async () => {
    const names: string[] = [];
    for await (const consumer of jsm.consumers.list(Streams.Ingest)) names.push(consumer.name);
    return names.sort();
  };
  const governOne = async (consumer: string) => {
    const pull = await jetstream(nc).consumers.get(Streams.Ingest, consumer);
    const message = await pull.next({ expires: 5_000 });
    expect(message).not.toBeNull();
    await message?.ackAck();
  };

  it('refuses while messages are not yet governed, and starts the new consumers after the old ones', async () => {
    await ensureTopology(nc, jsm, { ingestPartitions: 4, changeIngestLayout: true });
    expect(await consumerNames()).toEqual(governanceConsumers(4));
    await nc.request('ingest.2.odoo.invoice.posted', '{}', { timeout: 5_000 });

    const refused = await ensureTopology(nc, jsm, {
      ingestPartitions: 2,
      changeIngestLayout: true,
    }).catch((error: unknown) => error);
    expect(refused).toMatchObject({
      code: ErrorCode.Conflict,
      message: expect.stringContaining('governance-p2: 1') as unknown,
    });
    expect((await jsm.streams.info(Streams.Ingest)).config.subjects).toHaveLength(4);

    await governOne(IngestPartitions.consumer(2));
    // A process configured unlike the others may not recut INGEST under them.
    await expect(ensureTopology(nc, jsm, { ingestPartitions: 2 })).rejects.toMatchObject({
      code: ErrorCode.Conflict,
      message: expect.stringContaining('every process must use the same value') as unknown,
    });
    await ensureTopology(nc, jsm, { ingestPartitions: 2, changeIngestLayout: true });
    expect((await jsm.streams.info(Streams.Ingest)).config.subjects).toEqual([
      'ingest.0.>',
      'ingest.1.>',
    ]);
    expect(await consumerNames()).toEqual(['governance-p0', 'governance-p1']);
    for (const consumer of governanceConsumers(2))
      expect((await jsm.consumers.info(Streams.Ingest, consumer)).num_pending).toBe(0);

    await ensureTopology(nc, jsm, { ingestPartitions: 1, changeIngestLayout: true });
    expect((await jsm.streams.info(Streams.Ingest)).config.subjects).toEqual(['ingest.>']);
    expect(await consumerNames()).toEqual(['governance']);
    await nc.request('ingest.odoo.invoice.posted', '{}', { timeout: 5_000 });
    expect((await jsm.consumers.info(Streams.Ingest, 'governance')).num_pending).toBe(1);
  });

  it('finds out at start when the server does not map subjects onto the partitions', async () => {
    const unmapped = await startTestNats();
    const mapped = await startTestNats({ ingestPartitions: partitions });
    const [plain, mapping] = await Promise.all([
      connectNats(unmapped.url, 'unmapped-test'),
      connectNats(mapped.url, 'mapped-test'),
    ]);
    try {
      await ensureTopology(plain, await jetstreamManager(plain), { ingestPartitions: partitions });
      await expect(verifyIngestMapping(plain, partitions)).rejects.toMatchObject({
        code: ErrorCode.InvalidConfig,
        message: expect.stringContaining('does not map connector subjects onto them') as unknown,
      });
      const jsm = await jetstreamManager(mapping);
      await ensureTopology(mapping, jsm, { ingestPartitions: partitions });
      await verifyIngestMapping(mapping, partitions);
      expect((await jsm.streams.info(Streams.Ingest)).state.messages).toBe(0); // probes not kept
    } finally {
      await Promise.all([plain.close(), mapping.close()]);
      await Promise.all([unmapped.stop(), mapped.stop()]);
    }
    // A server mapping onto more partitions than INGEST has: some sources land on none.
    const wider = await startTestNats({ ingestPartitions: 8 });
    const client = await connectNats(wider.url, 'wider-mapping-test');
    try {
      await ensureTopology(client, await jetstreamManager(client), { ingestPartitions: 4 });
      await expect(verifyIngestMapping(client, 4)).rejects.toMatchObject({
        code: ErrorCode.InvalidConfig,
      });
    } finally {
      await client.close();
      await wider.stop();
    }
  });

  it('maps connector subjects to partitions by source, the same source always to the same one', async () => {
    const mapped = await startTestNats({ ingestPartitions: partitions });
    const client = await connectNats(mapped.url, 'partition-mapping-test');
    try {
      const seen = new Map<string, Set<string>>();
      const subscription = client.subscribe('ingest.*.>', {
        callback: (_, message) => {
          const [, partition, source] = message.subject.split('.');
          if (source !== undefined && partition !== undefined)
            seen.set(source, (seen.get(source) ?? new Set()).add(partition));
        },
      });
      const sources = ['odoo', 'aconex', 'procore', 'fieldservice', 'payroll', 'salesforce'];
      for (let round = 0; round < 5; round += 1)
        for (const source of sources) client.publish(`ingest.${source}.invoice.posted`, '{}');
      await client.flush();
      await eventually('every source seen', () =>
        Promise.resolve(seen.size === sources.length || undefined),
      );
      subscription.unsubscribe();
      for (const partitionsOfSource of seen.values()) {
        expect(partitionsOfSource.size).toBe(1);
        expect(Number([...partitionsOfSource][0])).toBeLessThan(partitions);
      }
      expect(new Set([...seen.values()].map((set) => [...set][0])).size).toBeGreaterThan(1);
    } finally {
      await client.close();
      await mapped.stop();
    }
  });
});

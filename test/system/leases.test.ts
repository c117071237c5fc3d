/**
 * Leases in NATS KV (one feeder of the rollups per ClickHouse server database; INGEST's
 * partitions): one holder at a time, taken over when it stops renewing, given up on stop,
 * forgotten once long lapsed; a feeder without the lease feeds nothing. Real nats-server and chDB; a hand-moved clock stands in for waiting out a lease.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { PartitionLeases, startPartitionClaims, startRollupFeeder } from '@plumbline/governance';
import {
  KvLease,
  RollupFeed,
  forgetLapsedLease,
  readLease,
  connectNats,
  createLogger,
  ensureTopology,
  migrate,
  openChdbStore,
  type LocalNatsServer,
  type NatsConnection,
  type TopologyBuckets,
} from '@plumbline/platform';
import { eventually } from '../support/eventually';
import { startTestNats } from '../support/test-nats';

let nats: LocalNatsServer;
let nc: NatsConnection;
let buckets: TopologyBuckets;

beforeAll(async () => {
  nats = await startTestNats();
  nc = await connectNats(nats.url, 'leases-test');
  buckets = await ensureTopology(nc, await jetstreamManager(nc));
});

afterAll(async () => {
  await nc?.drain();
  await nats?.stop();
});

describe('KvLease', () => {
  let clock = Date.parse('2026-11-23T10:00:00Z');
  const now = () => clock;
  const lease = (name: string, holder: string) =>
    new KvLease(buckets.leases, name, holder, 15_000, now);

  it('has one holder at a time, renewed by it and refused to others', async () => {
    const a = lease('rollups.one', 'worker-a');
    const b = lease('rollups.one', 'worker-b');
    expect(await a.hold()).toBe(true);
    expect(await b.hold()).toBe(false);
    clock += 10_000;
    expect(await a.hold()).toBe(true); // renewed: expires 15 s from now
    clock += 10_000;
    expect(await b.hold()).toBe(false);
  });

  it('is taken over once its holder stops renewing, and the old holder then loses it', async () => {
    const a = lease('rollups.two', 'worker-a');
    const b = lease('rollups.two', 'worker-b');
    expect(await a.hold()).toBe(true);
    clock += 15_001;
    expect(await b.hold()).toBe(true);
    expect(await a.hold()).toBe(false);
  });

  it('lets only one of two contenders win a free lease', async () => {
    const contenders = ['a', 'b', 'c', 'd'].map((holder) => lease('rollups.three', holder));
    const won = await Promise.all(contenders.map((contender) => contender.hold()));
    expect(won.filter(Boolean)).toHaveLength(1);
  });

  it('is forgotten once it has lapsed long enough, and not while it is renewed', async () => {
    const a = lease('rollups.five', 'worker-a');
    expect(await a.hold()).toBe(true);
    clock += 15_000 + 59_999;
    expect(await forgetLapsedLease(buckets.leases, 'rollups.five', 60_000, now)).toBe(false);
    expect(await a.hold()).toBe(true); // renewed just in time
    clock += 15_000 + 60_000;
    expect(await forgetLapsedLease(buckets.leases, 'rollups.five', 60_000, now)).toBe(true);
    expect(await readLease(buckets.leases, 'rollups.five')).toBeUndefined();
    expect(await a.hold()).toBe(true); // a holder back from the dead takes it afresh
  });

  it('is free at once when its holder releases it', async () => {
    const a = lease('rollups.four', 'worker-a');
    const b = lease('rollups.four', 'worker-b');
    expect(await a.hold()).toBe(true);
    await b.release(); // not b's: nothing happens
    expect(await b.hold()).toBe(false);
    await a.release();
    expect(await b.hold()).toBe(true);
  });
});

describe('partition claims', () => {
  it('forget the heartbeats of workers long gone, and do not count them as alive', async () => {
    let clock = Date.parse('2026-12-04T10:00:00Z');
    const now = () => clock;
    const ttlMs = 15_000;
    const heartbeat = (worker: string) =>
      new KvLease(buckets.leases, PartitionLeases.worker(worker), worker, ttlMs, now);
    expect(await heartbeat('crashed-long-ago').hold()).toBe(true);
    clock += ttlMs + 60_000;
    expect(await heartbeat('crashed-just-now').hold()).toBe(true);
    clock += ttlMs;
    const claimed: number[] = [];
    const claims = await startPartitionClaims({
      leases: buckets.leases,
      partitions: 2,
      workerId: 'survivor',
      ttlMs,
      logger: createLogger('silent'),
      onClaim: (partition) => claimed.push(partition),
      onRelease: () => undefined,
      now,
    });
    try {
      // Neither counts as alive: the survivor's share is every partition.
      expect(claims.held()).toEqual([0, 1]);
      expect(claimed.sort()).toEqual([0, 1]);
      const keys: string[] = [];
      for await (const key of await buckets.leases.keys(PartitionLeases.workers)) keys.push(key);
      expect(keys.sort()).toEqual([
        PartitionLeases.worker('crashed-just-now'),
        PartitionLeases.worker('survivor'),
      ]);
    } finally {
      await claims.stop();
    }
  });
});

describe('rollup feeder', () => {
  it('feeds only while it holds the lease, and gives it up on stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plumbline-leases-'));
    const store = openChdbStore(dir, 'plumbline');
    try {
      await migrate(store);
      await store.insert(`${store.database}.lineage_v1`, [
        { envelope_key: 'odoo:1', source: 'odoo', type: 'invoice.posted', outcome: 'accepted' },
      ]);
      const feed = new RollupFeed(store);
      const other = new KvLease(buckets.leases, 'rollups.feeder', 'other-process', 60_000);
      expect(await other.hold()).toBe(true);
      const feeder = startRollupFeeder({
        feed,
        intervalMs: 20,
        lease: new KvLease(buckets.leases, 'rollups.feeder', 'this-process', 60_000),
        logger: createLogger('silent'),
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(feeder.stats().feeding).toBe(false);
      expect((await feed.backlog()).blocks).toBe(1);
      await other.release();
      await eventually('the feeder took the lease and fed', async () =>
        feeder.stats().feeding && (await feed.backlog()).blocks === 0 ? true : undefined,
      );
      await feeder.stop();
      expect(await other.hold()).toBe(true);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

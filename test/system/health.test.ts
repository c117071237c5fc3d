/** GET /api/health against the real components: up, then NATS taken away; the rollup feeder's state. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '@plumbline/api';
import { jetstreamManager } from '@nats-io/jetstream';
import { healthProbes, startWorker } from '@plumbline/cli';
import { GovernanceConsumer, Streams } from '@plumbline/platform';
import { startTestPlumbline, type TestPlumbline } from '../support/test-plumbline';

let plumbline: TestPlumbline;
beforeAll(async () => {
  plumbline = await startTestPlumbline();
});
afterAll(async () => {
  await plumbline?.stop();
});

const health = async () => {
  const app = createApp({
    logger: plumbline.infra.logger,
    health: healthProbes(plumbline.infra, () => plumbline.workers[0]),
    authenticator: { authenticate: () => ({ ok: false, reason: 'unknown' }) }, // health is public
  });
  const response = await app.request('/api/health');
  return {
    status: response.status,
    body: (await response.json()) as {
      down: string[];
      components: Record<string, { up: boolean; detail?: string }>;
    },
  };
};

it('reports the rollups: rows waiting for the feed, and down once the feeder keeps failing', async () => {
  await plumbline.waitForRollups();
  const up = await health();
  expect(up.body.components.rollups).toMatchObject({ up: true });
  expect(up.body.components.rollups?.detail).toMatch(/^0 lineage rows waiting; /);

  const runtime = plumbline.workers[0]!;
  const failing = healthProbes(plumbline.infra, () => ({
    worker: runtime.worker,
    rollupFeeder: {
      stats: () => ({
        steps: 3,
        lastFedAt: Date.now() - 5 * 60_000,
        lastError: 'Code: 241. Memory limit exceeded',
        feeding: true,
      }),
      stop: () => Promise.resolve(),
    },
  }));
  expect(await failing.rollups()).toEqual({
    up: false,
    detail: 'failing: Code: 241. Memory limit exceeded; 0 lineage rows waiting',
  });
});

it('reports a worker whose lineage keeps failing as down, with the messages it holds', async () => {
  const runtime = plumbline.workers[0]!;
  const failing = healthProbes(plumbline.infra, () => ({
    worker: {
      stats: () => ({
        running: true,
        batches: 4,
        accepted: 10,
        rejected: 1,
        delayed: 0,
        retried: 0,
        held: 120,
        heldBytes: 3 * 1024 * 1024 + 200_000,
        lastBatchAt: Date.now() - 2 * 60_000,
        lastError: 'Code: 210. Connection refused',
        partitions: undefined,
      }),
      stop: () => Promise.resolve(),
    },
    rollupFeeder: runtime.rollupFeeder,
  }));
  expect(await failing.worker()).toEqual({
    up: false,
    detail: 'failing: Code: 210. Connection refused; 120 messages (3.2 MiB) held',
  });
});

it('is 503 naming JetStream while a consumer the workers pull is missing', async () => {
  const jsm = await jetstreamManager(plumbline.infra.nc);
  const config = (await jsm.consumers.info(Streams.Ingest, GovernanceConsumer)).config;
  await plumbline.workers[0]?.stop();
  await jsm.consumers.delete(Streams.Ingest, GovernanceConsumer);
  try {
    const missing = await health();
    expect(missing.status).toBe(503);
    expect(missing.body.down).toEqual(['jetstream', 'worker']);
    expect(missing.body.components.jetstream?.detail).toBe(
      'consumer(s) missing, nothing is taken from them: INGEST/governance (`plumbline start` recreates them; while INGEST holds messages, only where PLUMBLINE_INGEST_RESUME_FROM says)',
    );
  } finally {
    await jsm.consumers.add(Streams.Ingest, config);
    plumbline.workers[0] = await startWorker(plumbline.infra, 'test-worker-0');
  }
  expect((await health()).status).toBe(200);
});

it('is 200 with every component up, and 503 naming NATS and JetStream when the server is gone', async () => {
  const up = await health();
  expect(up.status).toBe(200);
  expect(Object.values(up.body.components).every((component) => component.up)).toBe(true);

  await plumbline.nats.stop();
  const deadline = Date.now() + 10_000;
  let down = await health();
  while (down.status !== 503 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    down = await health();
  }
  expect(down.status).toBe(503);
  expect(down.body.down).toContain('jetstream');
  expect(down.body.components.clickhouse?.up).toBe(true);
});

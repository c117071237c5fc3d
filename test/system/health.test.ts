/** GET /api/health against the real components: up, then NATS taken away. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '@plumbline/api';
import { healthProbes } from '@plumbline/cli';
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
    health: healthProbes(plumbline.infra, () => plumbline.workers[0]?.worker),
    authenticator: { authenticate: () => ({ ok: false, reason: 'unknown' }) }, // health is public
  });
  const response = await app.request('/api/health');
  return {
    status: response.status,
    body: (await response.json()) as {
      down: string[];
      components: Record<string, { up: boolean }>;
    },
  };
};

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

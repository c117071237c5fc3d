import { describe, expect, it } from 'vitest';
import { ErrorCode, PlumblineError } from '@plumbline/core';
import { createLogger } from '@plumbline/platform';
import { createApp } from './app';
import type { HealthProbes } from './routes/health';

const up = () => Promise.resolve({ up: true });
const probes = (overrides: Partial<HealthProbes> = {}): HealthProbes => ({
  nats: up,
  jetstream: up,
  clickhouse: up,
  worker: up,
  ...overrides,
});
const logger = createLogger('silent');

describe('GET /api/health', () => {
  it('is 200 when every component is up', async () => {
    const response = await createApp({ logger, health: probes() }).request('/api/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'up', down: [] });
  });

  it('is 503 naming what is down, including a probe that throws or hangs', async () => {
    const app = createApp({
      logger,
      health: probes({
        clickhouse: () => Promise.reject(new Error('connection refused')),
        worker: () => Promise.resolve({ up: false, detail: 'stopped' }),
      }),
    });
    const response = await app.request('/api/health');
    expect(response.status).toBe(503);
    const body = (await response.json()) as {
      down: string[];
      components: Record<string, { detail?: string }>;
    };
    expect(body.down).toEqual(['clickhouse', 'worker']);
    expect(body.components.clickhouse?.detail).toBe('connection refused');
  });
});

describe('errors', () => {
  it('an unknown route is a problem+json 404 with a stable code', async () => {
    const response = await createApp({ logger, health: probes() }).request('/api/nope');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'not_found', status: 404 });
  });

  it('a coded error keeps its status and code; an unexpected one never leaks its message or stack', async () => {
    const app = createApp({ logger, health: probes() });
    app.get('/api/boom/coded', () => {
      throw new PlumblineError(ErrorCode.Conflict, 'version 3 already exists');
    });
    app.get('/api/boom/bug', () => {
      throw new Error('secret connection string postgres://u:p@h');
    });
    const coded = await app.request('/api/boom/coded');
    expect(coded.status).toBe(409);
    expect(await coded.json()).toMatchObject({
      code: 'conflict',
      detail: 'version 3 already exists',
    });
    const bug = await app.request('/api/boom/bug');
    expect(bug.status).toBe(500);
    const text = await bug.text();
    expect(text).not.toContain('secret');
    expect(JSON.parse(text)).toMatchObject({ code: 'internal' });
  });
});

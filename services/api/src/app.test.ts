import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  PlumblineError,
  unscoped,
  type Authentication,
  type Role,
} from '@plumbline/core';
import type { Authenticator } from '@plumbline/identity';
import { createLogger } from '@plumbline/platform';
import { createApp, type AppDeps } from './app';
import { onError } from './problem';
import type { HealthProbes } from './routes/health';

const up = () => Promise.resolve({ up: true });
const probes = (overrides: Partial<HealthProbes> = {}): HealthProbes => ({
  nats: up,
  jetstream: up,
  clickhouse: up,
  worker: up,
  rollups: up,
  ...overrides,
});
const logger = createLogger('silent');

/** Pure stand-in for the token store: `role:<role>` authenticates as that role. */
const authenticator: Authenticator = {
  authenticate(credential): Authentication {
    const role = /^role:(.+)$/.exec(credential)?.[1] as Role | undefined;
    if (role === undefined) return { ok: false, reason: 'unknown' };
    return {
      ok: true,
      principal: {
        id: `id-${role}`,
        kind: 'human',
        name: `${role}@acme.test`,
        role,
        scope: unscoped,
        tenants: ['*'],
      },
    };
  },
};
const app = (deps: Partial<AppDeps> = {}) =>
  createApp({ logger, health: probes(), authenticator, ...deps });
const as = (role: Role) => ({ headers: { authorization: `Bearer role:${role}` } });

describe('GET /api/health', () => {
  it('is public and 200 when every component is up', async () => {
    const response = await app().request('/api/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'up', down: [] });
  });

  it('is 503 naming what is down, including a probe that throws or hangs', async () => {
    const response = await app({
      health: probes({
        clickhouse: () => Promise.reject(new Error('connection refused')),
        worker: () => Promise.resolve({ up: false, detail: 'stopped' }),
      }),
    }).request('/api/health');
    expect(response.status).toBe(503);
    const body = (await response.json()) as {
      down: string[];
      components: Record<string, { detail?: string }>;
    };
    expect(body.down).toEqual(['clickhouse', 'worker']);
    expect(body.components.clickhouse?.detail).toBe('connection refused');
  });

  it('answers with a request id, and keeps the one the caller sent', async () => {
    const fresh = await app().request('/api/health');
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const given = await app().request('/api/health', { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
  });
});

describe('the access guard', () => {
  it('refuses a request without a token with a 401 problem naming the scheme', async () => {
    const response = await app().request('/api/anything');
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="plumbline"');
    expect(await response.json()).toMatchObject({ code: 'unauthenticated', status: 401 });
  });

  it('never echoes a presented credential', async () => {
    for (const header of ['Bearer plbu_secretsecret', 'Basic dXNlcjpwYXNzd29yZA==']) {
      const response = await app().request('/api/anything', { headers: { authorization: header } });
      expect(response.status).toBe(401);
      const text = await response.text();
      expect(text).not.toContain(header.split(' ')[1]);
    }
  });

  it('lets an authenticated caller reach the 404 of a route that does not exist', async () => {
    const response = await app().request('/api/nope', as('viewer'));
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'not_found', status: 404 });
  });

  it('refuses a route missing from the access table to every role, admin included', async () => {
    const unlisted = app();
    unlisted.get('/api/unlisted', (c) => c.json({ leaked: true }));
    for (const role of ['admin', 'viewer'] as const) {
      const response = await unlisted.request('/api/unlisted', as(role));
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'forbidden' });
    }
  });

  it('limits requests per token and says when to retry', async () => {
    const limited = app({ ratePerSecond: 1 }); // burst 2
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1)
      statuses.push((await limited.request('/api/nope', as('viewer'))).status);
    expect(statuses).toEqual([404, 404, 429]);
    const refused = await limited.request('/api/nope', as('viewer'));
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ code: 'rate_limited', status: 429 });
    // Another token has its own budget.
    expect((await limited.request('/api/nope', as('admin'))).status).toBe(404);
  });

  it('refuses a body over the limit before reading it, as problem+json 413', async () => {
    const response = await app({ maxBodyBytes: 1_000 }).request('/api/anything', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer role:admin' },
      body: JSON.stringify({ pad: 'x'.repeat(2_000) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'too_large' });
  });
});

describe('the error boundary', () => {
  it('keeps a coded error’s status and code; an unexpected one never leaks its message or stack', async () => {
    const boom = new Hono()
      .get('/coded', () => {
        throw new PlumblineError(ErrorCode.Conflict, 'version 3 already exists');
      })
      .get('/bug', () => {
        throw new Error('secret connection string postgres://u:p@h');
      });
    boom.onError(onError(logger));
    const coded = await boom.request('/coded');
    expect(coded.status).toBe(409);
    expect(await coded.json()).toMatchObject({
      code: 'conflict',
      detail: 'version 3 already exists',
    });
    const bug = await boom.request('/bug');
    expect(bug.status).toBe(500);
    const text = await bug.text();
    expect(text).not.toContain('secret');
    expect(text).not.toContain('at ');
    expect(JSON.parse(text)).toMatchObject({ code: 'internal' });
  });
});

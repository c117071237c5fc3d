/**
 * Identity, access and audit through the real API on real NATS KV and chDB: the route × role
 * matrix, token life (issue, use, expire, revoke), contract owners' scope, tenants' dead letters
 * (OWASP API1 broken object-level authorisation), mass assignment (API3/API6), resource limits
 * (API4), broken authentication (API2), and sensitive fields kept out of reach and out of storage.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  issueToken,
  parseTokenRequest,
  systemActor,
  type AccessTokenRecord,
  type Role,
} from '@plumbline/core';
import { bootstrapTokenName } from '@plumbline/identity';
import { runCli } from '../support/cli';
import { encode, ingestSubject, validEnvelope } from '../support/envelopes';
import { startTestApi, type TestApi } from '../support/test-api';
import { startTestPlumbline, type TestPlumbline } from '../support/test-plumbline';

let plumbline: TestPlumbline;
let api: TestApi;
const token: Record<Role, string> = { admin: '', 'contract-owner': '', support: '', viewer: '' };

beforeAll(async () => {
  plumbline = await startTestPlumbline();
  api = await startTestApi(plumbline);
  token.admin = await api.tokenFor('admin', { name: 'ada@acme.test' });
  token['contract-owner'] = await api.tokenFor('contract-owner', {
    name: 'owen@acme.test',
    subjects: ['work_order.*'],
  });
  token.support = await api.tokenFor('support', { name: 'sam@acme.test' });
  token.viewer = await api.tokenFor('viewer', { name: 'vic@acme.test' });
});
afterAll(async () => {
  await api?.stop();
  await plumbline?.stop();
});

/**
 * The allowed matrix, written out independently of `services/api/src/access.ts`: which roles may
 * pass the access guard on each route. A route the app registers that is missing here fails.
 */
const allRoles: readonly Role[] = ['admin', 'contract-owner', 'support', 'viewer'];
const expectedMatrix: Record<string, readonly Role[] | 'public'> = {
  'GET /api/health': 'public',
  'GET /api/auth/me': allRoles,
  'GET /api/auth/tokens': ['admin'],
  'POST /api/auth/tokens': ['admin'],
  'POST /api/auth/tokens/:id/revoke': ['admin'],
  'GET /api/contracts': ['admin', 'contract-owner', 'support'],
  'GET /api/contracts/:type': ['admin', 'contract-owner', 'support'],
  'PATCH /api/contracts/:type': ['admin', 'contract-owner'],
  'PUT /api/contracts/:type/compatibility': ['admin', 'contract-owner'],
  'POST /api/contracts/:type/compatibility': ['admin', 'contract-owner', 'support'],
  'POST /api/contracts/:type/versions': ['admin', 'contract-owner'],
  'GET /api/contracts/:type/versions/:version': ['admin', 'contract-owner', 'support'],
  'GET /api/contracts/:type/versions/:version/schema': ['admin', 'contract-owner', 'support'],
  'POST /api/contracts/:type/versions/:version/:action{activate|deprecate|retire}': [
    'admin',
    'contract-owner',
  ],
  'GET /api/contracts/:type/diff': ['admin', 'contract-owner', 'support'],
  'GET /api/contracts/:type/usage': ['admin', 'contract-owner', 'support'],
  'GET /api/registry/config': ['admin', 'contract-owner', 'support'],
  'PUT /api/registry/config': ['admin'],
  'GET /api/dead-letters': ['admin', 'support'],
  'GET /api/dead-letters/problems': ['admin', 'support'],
  'PUT /api/dead-letters/problems/:key/triage': ['admin', 'support'],
  'POST /api/dead-letters/resolve': ['admin', 'support'],
  'POST /api/dead-letters/dry-run': ['admin', 'support'],
  'POST /api/dead-letters/replay': ['admin', 'support'],
  'GET /api/dead-letters/:seq': ['admin', 'support'],
  'GET /api/replay-jobs': ['admin', 'support'],
  'GET /api/replay-jobs/:id': ['admin', 'support'],
  'POST /api/replay-jobs/:id/cancel': ['admin', 'support'],
  'GET /api/flows': allRoles,
  'GET /api/flows/:flow/instances': allRoles,
  'GET /api/kpis/business': allRoles,
  'GET /api/kpis/integration': allRoles,
  'GET /api/audit': ['admin'],
};

/** A concrete URL for a route pattern; values chosen so nothing is changed for real. */
function concrete(path: string): string {
  return path
    .replace(':type', 'work_order.completed')
    .replace(':version', '999')
    .replace(':action{activate|deprecate|retire}', 'deprecate')
    .replace(':seq', '999999')
    .replace(':id', 'nosuchtoken00000')
    .replace(':flow', 'change-order-billing')
    .replace(':key', encodeURIComponent('schema_violation|x.y|'));
}

describe('route × role', () => {
  it('every registered route is in the expected matrix (a new route must be listed)', () => {
    const registered = api.handle.app.routes
      .filter((route) => route.method !== 'ALL')
      .map((route) => `${route.method} ${route.path}`);
    expect([...new Set(registered)].sort()).toEqual(Object.keys(expectedMatrix).sort());
  });

  it('each role passes the guard exactly where the matrix allows, and nowhere else', async () => {
    const seen: string[] = [];
    for (const [route, allowed] of Object.entries(expectedMatrix)) {
      const [method, path] = route.split(' ') as [string, string];
      const url = concrete(path);
      const anonymous = await api.request(
        method,
        url,
        undefined,
        method === 'GET' ? undefined : {},
      );
      expect(anonymous.status, `${route} without a token`).toBe(allowed === 'public' ? 200 : 401);
      for (const role of allRoles) {
        const response = await api.request(
          method,
          url,
          token[role],
          method === 'GET' ? undefined : {},
        );
        const passed = response.status !== 401 && response.status !== 403;
        seen.push(`${route} ${role} ${passed ? 'allowed' : 'refused'}`);
        expect(passed, `${route} as ${role}: ${response.status} ${response.text}`).toBe(
          allowed === 'public' || allowed.includes(role),
        );
        if (!passed) {
          expect(response.status).toBe(403);
          expect(response.body).toMatchObject({ code: 'forbidden' });
        }
      }
    }
    expect(seen).toHaveLength(Object.keys(expectedMatrix).length * allRoles.length);
  });
});

describe('tokens', () => {
  it('an admin issues a token shown once, stored only as a hash, listed without secrets, audited', async () => {
    const created = await api.request('POST', '/api/auth/tokens', token.admin, {
      kind: 'service',
      name: 'odoo-sync',
      role: 'viewer',
      description: 'nightly dashboard export',
      expiresInDays: 30,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const issued = created.body.token as string;
    expect(issued).toMatch(/^plbs_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
    const id = (created.body.view as { id: string }).id;
    // plb?_<16-char id>_<secret>: the secret is base64url and may itself hold '_'.
    const secret = issued.slice('plbs_'.length + 16 + 1);

    const stored = await plumbline.infra.buckets.tokens.get(`token.${id}`);
    expect(stored?.string()).not.toContain(secret);
    expect(stored?.json<AccessTokenRecord>().secretHash).toMatch(/^sha256:[0-9a-f]{64}$/);

    const me = await api.request('GET', '/api/auth/me', issued);
    expect(me.body).toMatchObject({ name: 'odoo-sync', kind: 'service', role: 'viewer' });

    const listed = await api.request('GET', '/api/auth/tokens', token.admin);
    expect(listed.text).not.toContain(secret);
    expect(listed.text).not.toContain('secretHash');
    expect(listed.body.tokens).toEqual(
      expect.arrayContaining([expect.objectContaining({ id, state: 'active', kind: 'service' })]),
    );

    const audit = await api.request('GET', `/api/audit?target=token:${id}`, token.admin);
    expect(audit.body.entries).toEqual([
      expect.objectContaining({
        actor: 'ada@acme.test',
        role: 'admin',
        action: 'token.create',
        requestId: created.headers.get('x-request-id'),
      }),
    ]);
    expect(audit.text).not.toContain(secret);
  });

  it('a revoked token is refused at once; the revocation is audited with before and after', async () => {
    const victim = await api.tokenFor('support', { name: 'leaver@acme.test' });
    expect((await api.request('GET', '/api/auth/me', victim)).status).toBe(200);
    const id = victim.split('_')[1]!;
    const noReason = await api.request('POST', `/api/auth/tokens/${id}/revoke`, token.admin, {});
    expect(noReason).toMatchObject({ status: 400, body: { code: 'bad_request' } });
    const revoked = await api.request('POST', `/api/auth/tokens/${id}/revoke`, token.admin, {
      reason: 'left the company',
    });
    expect(revoked.body).toMatchObject({ state: 'revoked', revokedBy: 'ada@acme.test' });
    const refused = await api.request('GET', '/api/auth/me', victim);
    expect(refused).toMatchObject({
      status: 401,
      body: { code: 'unauthenticated', detail: 'the token has been revoked' },
    });
    const [entry] = (
      await api.request('GET', `/api/audit?action=token.revoke&target=token:${id}`, token.admin)
    ).body.entries as { before: string; after: string; reason: string }[];
    expect(JSON.parse(entry!.before)).toMatchObject({ state: 'active' });
    expect(JSON.parse(entry!.after)).toMatchObject({ state: 'revoked' });
    expect(entry!.reason).toBe('left the company');
  });

  it('an expired token is refused; unknown, forged and malformed tokens are refused without echo', async () => {
    const past = new Date(Date.now() - 10 * 86_400_000);
    const expired = issueToken(
      parseTokenRequest({ kind: 'human', name: 'old@acme.test', role: 'admin', expiresInDays: 1 }),
      systemActor.id,
      past,
      (size) => crypto.getRandomValues(new Uint8Array(size)),
    );
    await api.handle.identity.tokens.create(expired.record);
    expect(await api.request('GET', '/api/auth/me', expired.token)).toMatchObject({
      status: 401,
      body: { detail: 'the token has expired' },
    });

    const valid = token.viewer;
    const forgedSecret = `${valid.slice(0, -4)}AAAA`;
    const wrongKind = valid.replace(/^plbu_/, 'plbs_');
    for (const presented of [
      forgedSecret,
      wrongKind,
      'plbu_nosuchtoken00000_' + 'A'.repeat(43),
      'hunter2',
    ]) {
      const response = await api.request('GET', '/api/auth/me', presented);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="plumbline"');
      expect(response.text).not.toContain(presented);
    }
  });

  it('the bootstrap admin token is issued once only, whatever the number of calls', async () => {
    const first = await api.handle.identity.service.bootstrap();
    const second = await api.handle.identity.service.bootstrap();
    expect(first?.view).toMatchObject({ name: bootstrapTokenName, role: 'admin', expiresAt: null });
    expect(second).toBeUndefined();
    expect((await api.request('GET', '/api/auth/me', first!.token)).body).toMatchObject({
      role: 'admin',
    });
  });
});

describe('mass assignment', () => {
  it('a token request cannot set stored fields', async () => {
    const response = await api.request('POST', '/api/auth/tokens', token.admin, {
      kind: 'human',
      name: 'mallory@acme.test',
      role: 'viewer',
      secretHash: 'sha256:00',
      createdBy: 'someone-else',
      revokedAt: null,
    });
    expect(response.status).toBe(400);
    expect(response.body.detail).toMatch(/unknown field\(s\): secretHash, createdBy, revokedAt/);
  });

  it('a registration cannot smuggle subject fields or unknown top-level fields', async () => {
    const schema = { type: 'object', additionalProperties: false, properties: {} };
    const smuggled = await api.request(
      'POST',
      '/api/contracts/work_order.reopened/versions',
      token.admin,
      {
        schema,
        subject: { domain: 'field', type: 'payment.recorded', owner: 'me' },
      },
    );
    expect(smuggled).toMatchObject({ status: 400, body: { code: 'bad_request' } });
    expect(smuggled.body.detail).toMatch(/unknown field\(s\): type, owner/);
    const extra = await api.request(
      'POST',
      '/api/contracts/work_order.reopened/versions',
      token.admin,
      {
        schema,
        subject: { domain: 'field' },
        state: 'retired',
      },
    );
    expect(extra.body.detail).toMatch(/unknown field\(s\): state/);
  });
});

describe('a contract owner changes only what they own', () => {
  it('in scope by type pattern: allowed; another subject or a move to a foreign domain: 403', async () => {
    const owner = token['contract-owner'];
    const mine = await api.request('PATCH', '/api/contracts/work_order.completed', owner, {
      description: 'Field work completed on site.',
    });
    expect(mine.status).toBe(200);
    const theirs = await api.request('PATCH', '/api/contracts/change_order.approved', owner, {
      description: 'hijacked',
    });
    expect(theirs).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    const deprecateTheirs = await api.request(
      'POST',
      '/api/contracts/payment.recorded/versions/1/deprecate',
      owner,
      {},
    );
    expect(deprecateTheirs.status).toBe(403);

    const domainOwner = await api.tokenFor('contract-owner', { domains: ['field'] });
    const current = await api.request('GET', '/api/contracts/work_order.completed', token.admin);
    const domain = current.body.domain as string;
    const scoped = await api.tokenFor('contract-owner', { domains: [domain] });
    expect(
      (
        await api.request('PATCH', '/api/contracts/work_order.completed', scoped, {
          domain: 'finance',
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await api.request('PATCH', '/api/contracts/work_order.completed', domainOwner, {
          tags: ['x'],
        })
      ).status,
    ).toBe(domain === 'field' ? 200 : 403);
    expect(
      (
        await api.request('PATCH', '/api/contracts/work_order.completed', scoped, {
          tags: ['site'],
        })
      ).status,
    ).toBe(200);
  });
});

describe('dead letters: tenants and sensitive fields', () => {
  const nationalId = 'NI-AB-123456-C';
  let acmeSeq = 0;
  let globexSeq = 0;

  beforeAll(async () => {
    for (const tenant of ['acme', 'globex']) {
      const envelope = validEnvelope('timesheet.approved');
      const bad = {
        ...envelope,
        tenant,
        data: { ...envelope.data, hours: -5, national_id: nationalId, hourly_rate: 87.5 },
      };
      await plumbline.publish(ingestSubject(bad), encode(bad), bad.id);
    }
    await plumbline.waitForLineage(2, "type = 'timesheet.approved' AND outcome = 'rejected'");
    const letters = await plumbline.streamMessages(
      'DEADLETTER',
      'dlq.schema_violation.timesheet.approved',
    );
    acmeSeq = letters.find((letter) => letter.data.includes('"acme"'))!.seq;
    globexSeq = letters.find((letter) => letter.data.includes('"globex"'))!.seq;
  });

  it('support sees sensitive fields masked; the original only on request, and that read is audited', async () => {
    const masked = await api.request('GET', `/api/dead-letters/${acmeSeq}`, token.support);
    expect(masked.status).toBe(200);
    expect(masked.body).toMatchObject({
      reason: 'schema_violation',
      type: 'timesheet.approved',
      tenant: 'acme',
      payload: { view: 'masked' },
    });
    expect(masked.text).not.toContain(nationalId);
    expect(masked.text).not.toContain('87.5');
    const data = (masked.body.payload as { envelope: { data: Record<string, unknown> } }).envelope
      .data;
    expect(data.national_id).toMatch(/^sha256:/);
    expect(data.hours).toBe(-5);

    const revealed = await api.request(
      'GET',
      `/api/dead-letters/${acmeSeq}?reveal=payload`,
      token.support,
    );
    expect(revealed.body.payload).toMatchObject({ view: 'original' });
    expect(revealed.text).toContain(nationalId);
    const audit = await api.request('GET', `/api/audit?target=deadletter:${acmeSeq}`, token.admin);
    expect(audit.body.entries).toEqual([
      expect.objectContaining({
        actor: 'sam@acme.test',
        role: 'support',
        action: 'dead-letter.payload.view',
        requestId: revealed.headers.get('x-request-id'),
      }),
    ]);
  });

  it('a caller limited to one tenant gets 404 for another tenant’s dead letter (BOLA)', async () => {
    const acmeSupport = await api.tokenFor('support', { tenants: ['acme'] });
    expect((await api.request('GET', `/api/dead-letters/${acmeSeq}`, acmeSupport)).status).toBe(
      200,
    );
    const other = await api.request('GET', `/api/dead-letters/${globexSeq}`, acmeSupport);
    expect(other).toMatchObject({ status: 404, body: { code: 'not_found' } });
    const missing = await api.request('GET', '/api/dead-letters/987654', acmeSupport);
    expect(other.body.detail).toBe(
      (missing.body.detail as string).replace('987654', String(globexSeq)),
    );
    const reveal = await api.request(
      'GET',
      `/api/dead-letters/${globexSeq}?reveal=payload`,
      acmeSupport,
    );
    expect(reveal.status).toBe(404);
    expect(reveal.text).not.toContain(nationalId);
  });

  it('the dead-letter index holds no sensitive value in clear', async () => {
    const database = plumbline.infra.store.database;
    const count = async () =>
      Number(
        (
          await plumbline.infra.store.query<{ n: string }>(
            `SELECT count() AS n FROM ${database}.dead_letters_v1 WHERE type = 'timesheet.approved'`,
          )
        )[0]?.n,
      );
    const deadline = Date.now() + 20_000;
    while ((await count()) < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const rows = await plumbline.infra.store.query<Record<string, unknown>>(
      `SELECT * FROM ${database}.dead_letters_v1 WHERE type = 'timesheet.approved'`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(rows)).not.toContain(nationalId);
    expect(JSON.stringify(rows)).not.toContain('87.5');
  });

  it('lineage holds no sensitive value in clear, for the rejected and for an accepted envelope', async () => {
    const good = validEnvelope('timesheet.approved');
    const accepted = {
      ...good,
      data: { ...good.data, national_id: nationalId, hourly_rate: 87.5 },
    };
    await plumbline.publish(ingestSubject(accepted), encode(accepted), accepted.id);
    await plumbline.waitForLineage(1, 'envelope_id = {id:String}', { id: accepted.id });
    const rows = await plumbline.lineage("type = 'timesheet.approved'");
    expect(rows.map((row) => row.outcome)).toEqual(
      expect.arrayContaining(['accepted', 'rejected']),
    );
    expect(JSON.stringify(rows)).not.toContain(nationalId);

    const malformed = `{"specversion":"1.0","national_id":"${nationalId}",`;
    await plumbline.publish('ingest.payroll.timesheet.approved', malformed, 'malformed-sensitive');
    await plumbline.waitForLineage(1, "reason = 'malformed'");
    expect(JSON.stringify(await plumbline.lineage("reason = 'malformed'"))).not.toContain(
      nationalId,
    );
  });
});

describe('resource limits', () => {
  it('body size, JSON depth, string length and page size are capped with problem+json', async () => {
    // Refused on Content-Length, before the body is read; the server then closes the socket, so
    // this uses node:http, which (like curl) takes the early answer while still sending.
    const big = await earlyAnswer(
      `${api.baseUrl}/api/contracts/work_order.completed/compatibility`,
      token.admin,
      'x'.repeat(1_100_000),
    );
    expect(big.status).toBe(413);
    expect(big.type).toBe('application/problem+json');
    expect(JSON.parse(big.text)).toMatchObject({ code: 'too_large' });

    let deep: unknown = {};
    for (let i = 0; i < 100; i += 1) deep = { a: deep };
    const nested = await api.request(
      'POST',
      '/api/contracts/work_order.completed/compatibility',
      token.admin,
      {
        schema: deep,
      },
    );
    expect(nested.status).toBe(400);
    expect(nested.body.detail).toMatch(/nests deeper/);

    const longReason = await api.request(
      'PATCH',
      '/api/contracts/work_order.completed',
      token.admin,
      {
        reason: 'r'.repeat(5_000),
      },
    );
    expect(longReason).toMatchObject({ status: 400, body: { code: 'bad_request' } });

    const page = await api.request('GET', '/api/audit?limit=5000', token.admin);
    expect(page.status).toBe(400);
    expect(page.body.detail).toMatch(/1 to 1000/);
  });

  it('past its rate, a token gets 429 with Retry-After while other tokens carry on', async () => {
    const slow = await startTestApi({
      ...plumbline,
      infra: { ...plumbline.infra, config: { ...plumbline.infra.config, apiRatePerSecond: 2 } },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i += 1)
        statuses.push((await slow.request('GET', '/api/auth/me', token.viewer)).status);
      expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200]);
      expect(statuses.at(-1)).toBe(429);
      const refused = await slow.request('GET', '/api/auth/me', token.viewer);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.body).toMatchObject({ code: 'rate_limited' });
      expect((await slow.request('GET', '/api/auth/me', token.admin)).status).toBe(200);
    } finally {
      await slow.stop();
    }
  });

  it('the audit log is append-only from the API: no route changes or deletes it', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'])
      expect((await api.request(method, '/api/audit', token.admin, {})).status).toBe(404);
  });
});

/** POSTs `body`, resolving with the answer even when the server answers before reading it all. */
function earlyAnswer(
  url: string,
  bearer: string,
  body: string,
): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bearer}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          type: String(response.headers['content-type'] ?? ''),
          text,
        }),
      );
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    request.end(body);
  });
}

describe('plumbline auth and audit (CLI)', () => {
  const cli = (bearer: string | undefined, ...args: string[]) =>
    runCli({ PLUMBLINE_API_URL: api.baseUrl, PLUMBLINE_TOKEN: bearer }, ...args);

  it('creates, lists, uses and revokes a token; the audit shows both changes', async () => {
    const created = await cli(
      token.admin,
      'auth',
      'create',
      'reporting',
      '--service',
      '--role',
      'viewer',
      '--expires-in-days',
      '7',
    );
    expect(created.code, created.stderr).toBe(0);
    const issued = created.stdout.trim();
    expect(issued).toMatch(/^plbs_/);
    expect(created.stderr).toMatch(/shown only now/);
    const id = issued.split('_')[1]!;

    const whoami = await cli(issued, 'auth', 'whoami');
    expect(whoami.stdout).toMatch(/^reporting \(service, viewer\)/);
    const listed = await cli(token.admin, 'auth', 'list', '--state', 'active');
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+active\\s+service\\s+viewer\\s+reporting`));
    expect(listed.stdout).not.toContain(issued.slice('plbs_'.length + 16 + 1));

    const revoked = await cli(token.admin, 'auth', 'revoke', id, '--reason', 'report retired');
    expect(revoked.stdout).toMatch(/revoked/);
    const refused = await cli(issued, 'auth', 'whoami');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/the token has been revoked/);
    expect(refused.stderr).not.toContain(issued);

    const audit = await cli(token.admin, 'audit', '--target', `token:${id}`, '--json');
    expect(
      audit.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { action: string }).action),
    ).toEqual(['token.revoke', 'token.create']);
  });

  it('without a token, or with a role that may not, the CLI says so and exits 2', async () => {
    const anonymous = await cli(undefined, 'auth', 'list');
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toMatch(/set PLUMBLINE_TOKEN/);
    const viewer = await cli(token.viewer, 'audit');
    expect(viewer.code).toBe(2);
    expect(viewer.stderr).toMatch(/does not have the 'audit:read' permission/);
  });
});

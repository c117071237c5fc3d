/**
 * The contract registry for API owners, end to end: the HTTP API and the CLI against real NATS
 * KV and chDB, with two governance workers picking up every change without a restart.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryHandle } from '@plumbline/cli';
import { contractUri, type JsonSchema } from '@plumbline/core';
import { runCli } from '../support/cli';
import { encode, ingestSubject, validEnvelope } from '../support/envelopes';
import { repoRoot } from '../support/repo';
import { startTestApi, type TestApi } from '../support/test-api';
import { startTestPlumbline, type TestPlumbline } from '../support/test-plumbline';

let plumbline: TestPlumbline;
let testApi: TestApi;
let registry: RegistryHandle;
let baseUrl: string;
let aliceToken: string;
let ciToken: string;
const files = mkdtempSync(join(tmpdir(), 'plumbline-contracts-'));

beforeAll(async () => {
  plumbline = await startTestPlumbline({ workers: 2 });
  testApi = await startTestApi(plumbline);
  registry = testApi.handle.registry;
  baseUrl = testApi.baseUrl;
  aliceToken = await testApi.tokenFor('admin', { name: 'alice@acme.test' });
  ciToken = await testApi.tokenFor('contract-owner', {
    kind: 'service',
    name: 'ci-bot',
    subjects: ['work_order.*', 'goods_receipt.*'],
  });
});
afterAll(async () => {
  await testApi?.stop();
  await plumbline?.stop();
});

const api = (method: string, path: string, body?: unknown) =>
  testApi.request(method, path, aliceToken, body);

/** Both workers must see the change within 2 seconds. */
async function bothWorkersSee(check: (worker: TestPlumbline['workers'][number]) => boolean) {
  const deadline = Date.now() + 2_000;
  while (!plumbline.workers.every(check)) {
    if (Date.now() > deadline)
      throw new Error('a worker did not see the registry change within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const latestSchema = (type: string) =>
  registry.registry.versions(type).at(-1)!.schema as Record<string, unknown>;
const evolve = (
  type: string,
  extra: Record<string, unknown>,
  required: string[] = [],
): JsonSchema => {
  const schema = latestSchema(type);
  return {
    ...schema,
    properties: { ...(schema.properties as object), ...extra },
    required: [...(schema.required as string[]), ...required],
  };
};

describe('registering', () => {
  it('a compatible version is registered, audited, and reaches both workers within 2 s', async () => {
    const before = registry.registry.versions('payment.recorded').at(-1)!.version;
    const schema = evolve('payment.recorded', {
      bank_reference: { type: 'string', maxLength: 80, description: 'Bank statement reference.' },
    });
    const created = await api('POST', '/api/contracts/payment.recorded/versions', {
      schema,
      reason: 'remittance matching (FIN-231)',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      outcome: 'registered',
      version: { version: before + 1, state: 'active' },
    });
    await bothWorkersSee(
      (worker) => worker.registry.version('payment.recorded', before + 1) !== undefined,
    );

    const again = await api('POST', '/api/contracts/payment.recorded/versions', { schema });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ outcome: 'existing', version: { version: before + 1 } });

    const audit = await api(
      'GET',
      `/api/audit?target=${encodeURIComponent(`payment.recorded/v${before + 1}`)}`,
    );
    expect((audit.body.entries as Record<string, unknown>[])[0]).toMatchObject({
      actor: 'alice@acme.test',
      action: 'contract.register',
      reason: 'remittance matching (FIN-231)',
    });
  });

  it('an incompatible version is refused with every change: pointer, kind, sentence', async () => {
    const schema = evolve(
      'payment.recorded',
      { payer_name: { type: 'string', description: 'Who paid.' } },
      ['payer_name'],
    );
    const refused = await api('POST', '/api/contracts/payment.recorded/versions', { schema });
    expect(refused.status).toBe(409);
    expect(refused.type).toBe('application/problem+json');
    expect(refused.body).toMatchObject({ code: 'incompatible_contract', mode: 'BACKWARD' });
    expect(refused.body.problems).toEqual([
      expect.objectContaining({
        pointer: '#/properties/payer_name',
        kind: 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL',
        compatible: false,
        message: expect.stringMatching(/required property/i) as unknown,
      }),
    ]);
    const tested = await api('POST', '/api/contracts/payment.recorded/compatibility', { schema });
    expect(tested.body).toMatchObject({ compatible: false, code: 'incompatible_contract' });
  });

  it('refuses remote $ref, dangerous patterns and invalid schemas with specific codes', async () => {
    const remote = await api('POST', '/api/contracts/payment.recorded/versions', {
      schema: evolve('payment.recorded', {
        x: { $ref: 'https://example.com/x.json', description: 'x' },
      }),
    });
    expect(remote).toMatchObject({ status: 422, body: { code: 'unsafe_contract' } });
    const redos = await api('POST', '/api/contracts/payment.recorded/versions', {
      schema: evolve('payment.recorded', {
        x: { type: 'string', pattern: '^([a-z]+)+$', description: 'x' },
      }),
    });
    expect(redos).toMatchObject({ status: 422, body: { code: 'unsafe_contract' } });
    const invalid = await api('POST', '/api/contracts/payment.recorded/versions', {
      schema: evolve('payment.recorded', { x: { type: 'text', description: 'x' } }),
    });
    expect(invalid).toMatchObject({ status: 422, body: { code: 'invalid_contract' } });
    const notJson = await api('POST', '/api/contracts/payment.recorded/versions', '{oops');
    expect(notJson).toMatchObject({ status: 400, body: { code: 'bad_request' } });
  });

  it('the mode decides: NONE accepts what BACKWARD refused, and the change is audited', async () => {
    const schema = evolve(
      'budget.revised',
      { approver: { type: 'string', description: 'Who approved.' } },
      ['approver'],
    );
    expect((await api('POST', '/api/contracts/budget.revised/versions', { schema })).status).toBe(
      409,
    );
    const mode = await api('PUT', '/api/contracts/budget.revised/compatibility', {
      compatibility: 'NONE',
      reason: 'one-off migration',
    });
    expect(mode.body).toMatchObject({ compatibility: 'NONE' });
    expect((await api('POST', '/api/contracts/budget.revised/versions', { schema })).status).toBe(
      201,
    );
    expect(
      (
        await api('PUT', '/api/contracts/budget.revised/compatibility', {
          compatibility: 'SIDEWAYS',
        })
      ).body,
    ).toMatchObject({ code: 'bad_request' });
    const audit = await api('GET', '/api/audit?target=budget.revised&action=subject.compatibility');
    expect((audit.body.entries as unknown[]).length).toBe(1);
  });

  it('a new subject needs its domain; lists, search and diff work', async () => {
    const schema = {
      type: 'object',
      additionalProperties: false,
      properties: {
        rfi_ref: { type: 'string', description: 'RFI number.', 'x-business-key': true },
      },
      required: ['rfi_ref'],
    };
    expect(
      (await api('POST', '/api/contracts/rfi.answered/versions', { schema })).body,
    ).toMatchObject({ code: 'bad_request' });
    const created = await api('POST', '/api/contracts/rfi.answered/versions', {
      schema,
      subject: { domain: 'documents', ownerTeam: 'Document Control' },
    });
    expect(created.status).toBe(201);
    const search = await api('GET', '/api/contracts?search=document%20control');
    expect((search.body.subjects as { type: string }[]).map((s) => s.type)).toContain(
      'rfi.answered',
    );
    const diff = await api('GET', '/api/contracts/invoice.posted/diff?from=1&to=2');
    expect(diff.body).toMatchObject({ compatible: true });
    expect(
      (diff.body.changes as { kind: string }[]).some(
        (change) => change.kind === 'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL',
      ),
    ).toBe(true);
    expect((await api('GET', '/api/contracts/nothing.here')).body).toMatchObject({
      code: 'contract_not_found',
    });
  });
});

describe('references between contracts', () => {
  it('a contract can $ref another registered contract; the worker validates through it', async () => {
    const moneyUri = contractUri('money.amount', 1);
    const money = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      additionalProperties: false,
      required: ['value', 'currency'],
      properties: {
        value: { type: 'number', description: 'Amount.' },
        currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217.' },
      },
    };
    expect(
      (
        await api('POST', '/api/contracts/money.amount/versions', {
          schema: money,
          subject: { domain: 'finance' },
        })
      ).status,
    ).toBe(201);
    const type = 'vendor_bill.posted';
    const schema = evolve(type, {
      retention: { $ref: moneyUri, description: 'Retention withheld.' },
    });
    const registered = await api('POST', `/api/contracts/${type}/versions`, { schema });
    expect(registered.status).toBe(201);
    const version = (registered.body.version as { version: number }).version;
    await bothWorkersSee((worker) => worker.registry.version(type, version) !== undefined);
    const send = async (retention: unknown) => {
      const base = validEnvelope(type);
      const envelope = {
        ...base,
        dataschema: contractUri(type, version),
        data: { ...base.data, retention },
      };
      await plumbline.publish(ingestSubject(envelope), encode(envelope), `odoo:${envelope.id}`);
      return (
        await plumbline.waitForLineage(1, 'envelope_id = {id:String}', { id: envelope.id })
      )[0]!;
    };
    expect(await send({ value: 1250, currency: 'USD' })).toMatchObject({ outcome: 'accepted' });
    const rejected = await send({ value: 1250, currency: 'dollars' });
    expect(rejected).toMatchObject({ outcome: 'rejected', reason: 'schema_violation' });
    expect(rejected.reason_detail).toMatch(/\/retention\/currency/);
  });
});

describe('lifecycle on live traffic', () => {
  it('draft → refused; active → accepted; deprecated → accepted and counted per producer; retired → dead-lettered', async () => {
    const type = 'milestone.changed';
    const draftSchema = evolve(type, {
      weather_delay: { type: 'boolean', description: 'Weather caused the variance.' },
    });
    const draft = await api('POST', `/api/contracts/${type}/versions`, {
      schema: draftSchema,
      draft: true,
    });
    const version = (draft.body.version as { version: number }).version;
    await bothWorkersSee((worker) => worker.registry.version(type, version)?.state === 'draft');
    const send = async () => {
      const envelope = { ...validEnvelope(type), dataschema: contractUri(type, version) };
      await plumbline.publish(
        ingestSubject(envelope),
        encode(envelope),
        `scheduler:${envelope.id}`,
      );
      return (
        await plumbline.waitForLineage(1, 'envelope_id = {id:String}', { id: envelope.id })
      )[0]!;
    };
    expect(await send()).toMatchObject({ outcome: 'rejected', reason: 'unknown_contract' });

    await api('POST', `/api/contracts/${type}/versions/${version}/activate`, {
      reason: 'reviewed',
    });
    await bothWorkersSee((worker) => worker.registry.version(type, version)?.state === 'active');
    expect(await send()).toMatchObject({ outcome: 'accepted', deprecated: false });

    const deprecated = await api('POST', `/api/contracts/${type}/versions/${version}/deprecate`, {
      sunset: '2027-03-31',
      reason: 'superseded',
    });
    expect(deprecated.body).toMatchObject({ state: 'deprecated', sunset: '2027-03-31' });
    await bothWorkersSee(
      (worker) => worker.registry.version(type, version)?.state === 'deprecated',
    );
    expect(await send()).toMatchObject({ outcome: 'accepted', deprecated: true });
    expect(await send()).toMatchObject({ outcome: 'accepted', deprecated: true });

    const usage = await api('GET', `/api/contracts/${type}/usage`);
    expect(usage.body.usage).toContainEqual(
      expect.objectContaining({
        source: 'scheduler',
        version,
        envelopes: 4,
        accepted: 3,
        deprecated: 2,
      }),
    );

    await api('POST', `/api/contracts/${type}/versions/${version}/retire`, {
      reason: 'sunset reached',
    });
    await bothWorkersSee((worker) => worker.registry.version(type, version)?.state === 'retired');
    expect(await send()).toMatchObject({ outcome: 'rejected', reason: 'retired_version' });
    expect(
      (await api('POST', `/api/contracts/${type}/versions/${version}/activate`, {})).body,
    ).toMatchObject({ code: 'conflict' });
  });
});

describe('the CLI, for owners and their CI', () => {
  const cli = (...args: string[]) =>
    runCli({ PLUMBLINE_API_URL: baseUrl, PLUMBLINE_TOKEN: ciToken }, ...args);
  const file = (name: string, content: string) => {
    const path = join(files, name);
    writeFileSync(path, content);
    return path;
  };

  it('check: 0 when compatible, 1 with the change list when not, 2 with file:line:column on bad JSON', async () => {
    const good = file(
      'good.json',
      JSON.stringify(
        evolve('work_order.completed', {
          crew_size: { type: 'integer', minimum: 1, description: 'People on the crew.' },
        }),
      ),
    );
    const ok = await cli('contracts', 'check', good, '--type', 'work_order.completed');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/compatible with work_order.completed under BACKWARD/);

    const bad = file(
      'bad.json',
      JSON.stringify(
        evolve('work_order.completed', { crew_size: { type: 'integer', description: 'People.' } }, [
          'crew_size',
        ]),
      ),
    );
    const refused = await cli('contracts', 'check', bad, '--type', 'work_order.completed');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      /FAIL REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #\/properties\/crew_size/,
    );

    const broken = file('broken.json', '{\n  "type": "object",\n  "properties": {,\n}');
    const io = await cli('contracts', 'check', broken, '--type', 'work_order.completed');
    expect(io.code).toBe(2);
    expect(io.stderr).toMatch(/broken\.json:3:\d+: not valid JSON/);
    expect((await cli('contracts', 'check')).code).toBe(2);
  });

  it('register and deprecate through the API, with the actor in the audit log', async () => {
    const schema = file(
      'v-next.json',
      JSON.stringify(
        evolve('goods_receipt.recorded', {
          carrier: { type: 'string', maxLength: 80, description: 'Delivering carrier.' },
        }),
      ),
    );
    const registered = await cli(
      'contracts',
      'register',
      schema,
      '--type',
      'goods_receipt.recorded',
      '--reason',
      'carrier tracking',
    );
    expect(registered.code, registered.stderr).toBe(0);
    const version = Number(/v(\d+): registered/.exec(registered.stdout)?.[1]);
    const refusedAgain = await cli(
      'contracts',
      'register',
      file(
        'breaking.json',
        JSON.stringify(
          evolve('goods_receipt.recorded', { x: { type: 'string', description: 'x' } }, ['x']),
        ),
      ),
      '--type',
      'goods_receipt.recorded',
    );
    expect(refusedAgain.code).toBe(1);
    expect(refusedAgain.stderr).toMatch(/incompatible_contract/);
    const deprecated = await cli(
      'contracts',
      'deprecate',
      'goods_receipt.recorded',
      String(version),
      '--sunset',
      '2027-01-31',
    );
    expect(deprecated.stdout).toMatch(/deprecated \(sunset 2027-01-31\)/);
    const audit = await api(
      'GET',
      `/api/audit?target=${encodeURIComponent(`goods_receipt.recorded/v${version}`)}`,
    );
    expect((audit.body.entries as { actor: string }[]).map((entry) => entry.actor)).toEqual([
      'ci-bot',
      'ci-bot',
    ]);
  });

  it('compat --cases agrees with Confluent on the 104 shared cases, one JSON line each', async () => {
    const shared = join(
      repoRoot(),
      '..',
      'shared',
      'conformance',
      'json-schema-compatibility.json',
    );
    const result = await cli('contracts', 'compat', '--cases', shared);
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { index: number; compatible: boolean; changes: unknown[] },
      );
    const expected = (await import(shared, { with: { type: 'json' } })) as {
      default: { compatible: boolean }[];
    };
    expect(lines.map((line) => line.compatible)).toEqual(
      expected.default.map((testCase) => testCase.compatible),
    );
    expect(lines.map((line) => line.index)).toEqual(expected.default.map((_, index) => index));
  });
});

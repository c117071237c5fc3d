import { describe, expect, it } from 'vitest';
import { ContractRegistry } from '../contracts/contract-registry';
import { ContractValidators } from '../contracts/contract-validators';
import { contractUri } from '../contracts/dataschema';
import { fingerprintSchema } from '../contracts/fingerprint';
import type { ContractVersion, JsonSchema, LifecycleState } from '../contracts/contract';
import { createEnvelopeParser } from '../envelope/parse-envelope';
import { createGovernanceEngine } from './governance-engine';
import type { PolicyGate, RateVerdict } from './policy-gate';

const schema: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: contractUri('change_order.approved', 1),
  type: 'object',
  additionalProperties: false,
  required: ['change_order_ref', 'amount_total', 'currency'],
  properties: {
    change_order_ref: { type: 'string', 'x-business-key': true },
    amount_total: { type: 'number', minimum: 0, 'x-tracked': true },
    currency: { type: 'string', 'x-tracked': true },
    approver_email: { type: 'string', format: 'email', 'x-tracked': true, 'x-sensitive': true },
  },
};

function version(v: number, state: LifecycleState, body: JsonSchema = schema): ContractVersion {
  return {
    type: 'change_order.approved',
    version: v,
    schema: body,
    fingerprint: fingerprintSchema(body),
    state,
    registeredAt: '2026-01-01T00:00:00Z',
  };
}

interface Setup {
  rate?: RateVerdict;
  states?: LifecycleState[];
}

function setup({ rate = { verdict: 'allow' }, states = ['active'] }: Setup = {}) {
  const registry = new ContractRegistry();
  registry.putSubject({ type: 'change_order.approved', domain: 'costs' });
  states.forEach((state, index) => registry.putVersion(version(index + 1, state)));
  const gate: PolicyGate = {
    naming: (source, type) =>
      /^[a-z]+$/.test(source) && type.includes('.') ? undefined : `bad name ${type}`,
    ownership: (source, type) =>
      source === 'odoo' ? undefined : `${type} is owned by odoo; ${source} may not publish it`,
    maxBytes: () => 2_000,
    rate: () => rate,
    maxDelays: 3,
  };
  return createGovernanceEngine({
    registry,
    validators: new ContractValidators(),
    parseEnvelope: createEnvelopeParser(),
    policies: () => gate,
  });
}

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const envelope = (overrides: Record<string, unknown> = {}, data: Record<string, unknown> = {}) => ({
  specversion: '1.0',
  id: 'co-1',
  source: 'odoo',
  type: 'change_order.approved',
  time: '2026-03-01T10:00:00Z',
  dataschema: contractUri('change_order.approved', 1),
  tenant: 'acme-build-us',
  data: {
    change_order_ref: 'CO-0042',
    amount_total: 12500,
    currency: 'USD',
    approver_email: 'pm@acme.test',
    ...data,
  },
  ...overrides,
});
const message = (
  body: unknown,
  subject = 'ingest.odoo.change_order.approved',
  deliveryCount = 1,
) => ({
  subject,
  body: typeof body === 'string' ? new TextEncoder().encode(body) : encode(body),
  deliveryCount,
});

describe('governance engine', () => {
  it('accepts a valid envelope and extracts business key and tracked properties, hashing sensitive ones', () => {
    const decision = setup()(message(envelope()));
    expect(decision.outcome).toBe('accepted');
    if (decision.outcome !== 'accepted') return;
    expect(decision.domain).toBe('costs');
    expect(decision.deprecated).toBe(false);
    expect(decision.extracted.businessKey).toBe('CO-0042');
    expect(decision.extracted.trackedNum).toEqual({ amount_total: 12500 });
    expect(decision.extracted.trackedStr.currency).toBe('USD');
    expect(decision.extracted.trackedStr.approver_email).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(JSON.stringify(decision.extracted)).not.toContain('pm@acme.test');
  });

  it('uses the newest usable version when the envelope names none', () => {
    const decision = setup({ states: ['active', 'active', 'draft'] })(
      message(envelope({ dataschema: undefined })),
    );
    expect(decision.outcome).toBe('accepted');
    expect(decision.contract?.version).toBe(2);
  });

  it.each([
    ['malformed', 'truncated JSON', message('{"specversion":"1.0",'), /not JSON/],
    ['malformed', 'not a CloudEvent', message({ hello: 'world' }), /CloudEvents/],
    ['malformed', 'a subject without a type', message(envelope(), 'ingest.odoo'), /not ingest/],
    [
      'too_large',
      'a payload over the limit',
      message(envelope({}, { note: 'x'.repeat(3_000) })),
      /limit/,
    ],
    [
      'naming_violation',
      'a badly named source',
      message(envelope({ source: 'Odoo-1' }), 'ingest.Odoo-1.change_order.approved'),
      /bad name/,
    ],
    [
      'ownership_violation',
      'a system that does not own the type',
      message(envelope({ source: 'costctl' }), 'ingest.costctl.change_order.approved'),
      /owned by odoo/,
    ],
    [
      'ownership_violation',
      'an envelope source that differs from the subject',
      message(envelope({ source: 'odoo' }), 'ingest.costctl.change_order.approved'),
      /published on/,
    ],
    [
      'unknown_contract',
      'an unregistered type',
      message(
        envelope({ type: 'change_order.voided', dataschema: undefined }),
        'ingest.odoo.change_order.voided',
      ),
      /no usable contract/,
    ],
    [
      'unknown_contract',
      'an unregistered version',
      message(envelope({ dataschema: contractUri('change_order.approved', 9) })),
      /v9 is not registered/,
    ],
    [
      'unknown_contract',
      'a dataschema whose percent-encoding is broken',
      message(envelope({ dataschema: 'https://schemas.plumbline.dev/contracts/%E0%A4%A/v1.json' })),
      /does not name a contract version/,
    ],
    [
      'unknown_contract',
      'a dataschema of another type',
      message(envelope({ dataschema: contractUri('invoice.posted', 1) })),
      /names invoice.posted/,
    ],
    [
      'schema_violation',
      'a negative amount and a missing field',
      message(envelope({}, { amount_total: -5, currency: undefined })),
      /amount_total/,
    ],
  ])('rejects %s: %s', (reason, _what, input, detail) => {
    const decision = setup()(input);
    expect(decision.outcome).toBe('rejected');
    if (decision.outcome !== 'rejected') return;
    expect(decision.reason).toBe(reason);
    expect(decision.detail).toMatch(detail);
  });

  it('reports every schema error with a JSON pointer', () => {
    const decision = setup()(message(envelope({}, { amount_total: 'lots', currency: undefined })));
    if (decision.outcome !== 'rejected') throw new Error('expected a rejection');
    expect(decision.errors.map((error) => error.pointer).sort()).toEqual([
      '/amount_total',
      '/currency',
    ]);
  });

  it('rejects a retired version and flags a deprecated one', () => {
    const engine = setup({ states: ['retired', 'deprecated'] });
    const retired = engine(message(envelope()));
    expect(retired.outcome === 'rejected' && retired.reason).toBe('retired_version');
    const deprecated = engine(
      message(envelope({ dataschema: contractUri('change_order.approved', 2) })),
    );
    expect(deprecated.outcome === 'accepted' && deprecated.deprecated).toBe(true);
  });

  it('rejects a draft version: not usable by producers', () => {
    const decision = setup({ states: ['draft'] })(message(envelope()));
    expect(decision.outcome === 'rejected' && decision.detail).toMatch(/draft/);
  });

  it('delays over the rate limit, then dead-letters after the allowed delays', () => {
    const engine = setup({ rate: { verdict: 'delay', delayMs: 1_000 } });
    const first = engine(message(envelope()));
    expect(first).toMatchObject({ outcome: 'delayed', reason: 'rate_limited', delayMs: 1_000 });
    const exhausted = engine(message(envelope(), undefined, 4));
    expect(exhausted).toMatchObject({ outcome: 'rejected', reason: 'rate_limited' });
  });

  it('rejects at once when the rate rule says reject', () => {
    const decision = setup({ rate: { verdict: 'reject', message: 'over 50/s for crm' } })(
      message(envelope()),
    );
    expect(decision).toMatchObject({
      outcome: 'rejected',
      reason: 'rate_limited',
      detail: 'over 50/s for crm',
    });
  });
});

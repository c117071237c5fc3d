import { describe, expect, it } from 'vitest';
import type { ContractVersion, JsonSchema, LifecycleState } from '../contracts/contract';
import { ContractRegistry } from '../contracts/contract-registry';
import { ContractValidators } from '../contracts/contract-validators';
import { contractUri } from '../contracts/dataschema';
import { fingerprintSchema } from '../contracts/fingerprint';
import { createEnvelopeParser } from '../envelope/parse-envelope';
import { createGovernanceEngine } from '../governance/governance-engine';
import type { PolicyGate, RateVerdict } from '../governance/policy-gate';
import { dryRunReplay, type DryRunItem } from './dry-run';
import type { DeadLetter } from './dead-letter';
import { aDeadLetter, anEnvelope, encodeJson } from './test-fixtures';

const type = 'change_order.approved';
const schema = (minimum: number | undefined): JsonSchema => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['change_order_ref', 'amount_total', 'currency'],
  properties: {
    change_order_ref: { type: 'string', 'x-business-key': true },
    amount_total: minimum === undefined ? { type: 'number' } : { type: 'number', minimum },
    currency: { type: 'string' },
  },
});

function engine(states: LifecycleState[], rate: RateVerdict = { verdict: 'allow' }) {
  const registry = new ContractRegistry();
  registry.putSubject({ type, domain: 'costs' });
  states.forEach((state, index) => {
    const body = {
      ...(schema(index === 0 ? 0 : undefined) as object),
      $id: contractUri(type, index + 1),
    };
    const version: ContractVersion = {
      type,
      version: index + 1,
      schema: body,
      fingerprint: fingerprintSchema(body),
      state,
      registeredAt: '2026-01-01T00:00:00Z',
    };
    registry.putVersion(version);
  });
  const gate: PolicyGate = {
    naming: () => undefined,
    ownership: (source) => (source === 'odoo' ? undefined : `${type} is owned by odoo`),
    maxBytes: () => 10_000,
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

const item = (
  seq: number,
  envelope: unknown = anEnvelope({ id: `co-${seq}` }),
  overrides: Partial<DeadLetter> = {},
): DryRunItem => ({
  deadLetter: aDeadLetter({ seq, envelopeKey: `odoo:co-${seq}`, ...overrides }),
  body: typeof envelope === 'string' ? new TextEncoder().encode(envelope) : encodeJson(envelope),
});
const negatives = Array.from({ length: 5 }, (_, i) => item(i + 1));

describe('dryRunReplay', () => {
  it('reports that unchanged replays would fail the same way, grouped with samples', () => {
    const report = dryRunReplay(negatives, { decide: engine(['active']), sampleLimit: 2 });
    expect(report).toMatchObject({ total: 5, wouldPass: 0, wouldFail: 5, skipped: 0 });
    expect(report.failures).toEqual([
      {
        key: 'schema_violation|change_order.approved|/amount_total',
        cause: 'schema_violation',
        type,
        pointer: '/amount_total',
        count: 5,
        samples: [
          { seq: 1, envelopeKey: 'odoo:co-1', message: '/amount_total must be >= 0' },
          { seq: 2, envelopeKey: 'odoo:co-2', message: '/amount_total must be >= 0' },
        ],
      },
    ]);
  });

  it('re-checks against the current contracts: a patch moving to v2 passes', () => {
    const patch = [{ op: 'replace', path: '/dataschema', value: contractUri(type, 2) }] as const;
    const report = dryRunReplay(negatives, {
      decide: engine(['active', 'active']),
      patch: [...patch],
    });
    expect(report).toMatchObject({ total: 5, wouldPass: 5, wouldFail: 0, failures: [] });
  });

  it('counts passes on a deprecated version, delays, skips and unreplayable ones apart', () => {
    const items = [
      item(1, anEnvelope({ id: 'co-1' }, { amount_total: 5 })),
      item(2, anEnvelope({ id: 'co-2' }, { amount_total: 5 }), {
        state: 'replayed',
        replayJobId: 'job-1',
      }),
      item(3, anEnvelope({ id: 'co-3' }), { state: 'resolved' }),
      item(4, '{"specversion":'),
    ];
    const report = dryRunReplay(items, { decide: engine(['deprecated']) });
    expect(report).toMatchObject({
      total: 4,
      skipped: 2,
      skippedByWhy: { already_replayed: 1, resolved: 1, expired: 0 },
      wouldPass: 1,
      wouldPassDeprecated: 1,
      wouldFail: 1,
    });
    expect(report.failures[0]).toMatchObject({ cause: 'not_replayable', count: 1 });

    const delayed = dryRunReplay([items[0] as DryRunItem], {
      decide: engine(['active'], { verdict: 'delay', delayMs: 100 }),
    });
    expect(delayed).toMatchObject({ wouldBeDelayed: 1, wouldPass: 0, wouldFail: 0 });
  });

  it('reports a patch that does not apply to some dead letters under the failing path', () => {
    const items = [
      item(1, anEnvelope({ id: 'co-1' }, { amount_total: -5 })),
      item(2, anEnvelope({ id: 'co-2' }, { amount_total: -7 })),
    ];
    const report = dryRunReplay(items, {
      decide: engine(['active']),
      patch: [
        { op: 'test', path: '/data/amount_total', value: -5 },
        { op: 'replace', path: '/data/amount_total', value: 5 },
      ],
    });
    expect(report).toMatchObject({ wouldPass: 1, wouldFail: 1 });
    expect(report.failures[0]).toMatchObject({
      key: 'patch_failed|change_order.approved|/data/amount_total',
      samples: [{ seq: 2, message: expect.stringMatching(/op 0 .*test failed/) as unknown }],
    });
  });

  it('does not let a replay launder a spoofed source: it is governed on the original subject', () => {
    const spoofed = item(1, anEnvelope({ id: 'co-1', source: 'costctl' }, { amount_total: 5 }));
    const report = dryRunReplay([spoofed], { decide: engine(['active']) });
    expect(report.failures[0]?.cause).toBe('ownership_violation');
  });
});

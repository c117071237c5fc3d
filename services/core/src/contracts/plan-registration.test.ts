import { describe, expect, it } from 'vitest';
import type { JsonSchema } from './contract';
import { ContractRegistry } from './contract-registry';
import { ContractValidators } from './contract-validators';
import { contractUri } from './dataschema';
import { fingerprintSchema } from './fingerprint';
import { planRegistration } from './plan-registration';

const v1: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: contractUri('invoice.posted', 1),
  type: 'object',
  additionalProperties: false,
  required: ['invoice_ref'],
  properties: {
    invoice_ref: { type: 'string', description: 'Invoice number.', 'x-business-key': true },
    amount_total: { type: 'number', description: 'Total.' },
  },
};
const withProperty = (name: string, schema: object, required = false): JsonSchema => {
  const base = v1 as Record<string, unknown>;
  return {
    ...base,
    properties: { ...(base.properties as object), [name]: schema },
    required: required ? ['invoice_ref', name] : ['invoice_ref'],
  };
};

function registry(): ContractRegistry {
  const r = new ContractRegistry();
  r.putSubject({ type: 'invoice.posted', domain: 'finance' });
  r.putVersion({
    type: 'invoice.posted',
    version: 1,
    schema: v1,
    fingerprint: fingerprintSchema(v1),
    state: 'active',
    registeredAt: '',
  });
  return r;
}
const plan = (r: ContractRegistry, schema: JsonSchema) =>
  planRegistration(r, new ContractValidators(), 'invoice.posted', schema);

describe('planRegistration', () => {
  it('returns the existing version for the same schema, whatever its key order or $id', () => {
    const reordered = {
      properties: (v1 as Record<string, unknown>).properties,
      type: 'object',
      $schema: (v1 as Record<string, unknown>).$schema,
      required: ['invoice_ref'],
      additionalProperties: false,
    };
    const result = plan(registry(), reordered);
    expect(result.kind === 'existing' && result.version.version).toBe(1);
  });

  it('plans the next version, with the canonical $id, for a compatible change', () => {
    const result = plan(
      registry(),
      withProperty('note', { type: 'string', description: 'Free text.' }),
    );
    expect(result.kind).toBe('new');
    if (result.kind !== 'new') return;
    expect(result.version).toBe(2);
    expect((result.schema as Record<string, unknown>).$id).toBe(contractUri('invoice.posted', 2));
    expect(result.mode).toBe('BACKWARD');
  });

  it('refuses an incompatible change, listing each change', () => {
    const result = plan(
      registry(),
      withProperty('currency', { type: 'string', description: 'ISO code.' }, true),
    );
    expect(result.kind === 'refused' && result.code).toBe('incompatible_contract');
    if (result.kind !== 'refused') return;
    expect(result.problems).toEqual([
      expect.objectContaining({
        pointer: '#/properties/currency',
        kind: 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL',
      }),
    ]);
  });

  it('honours the subject mode: NONE accepts the same change', () => {
    const r = registry();
    r.putSubject({ type: 'invoice.posted', domain: 'finance', compatibility: 'NONE' });
    expect(
      plan(r, withProperty('currency', { type: 'string', description: 'ISO code.' }, true)).kind,
    ).toBe('new');
  });

  it('refuses unsafe and invalid schemas before anything else', () => {
    expect(
      plan(registry(), withProperty('x', { type: 'string', description: 'x', pattern: '^(a+)+$' })),
    ).toMatchObject({ kind: 'refused', code: 'unsafe_contract' });
    expect(plan(registry(), withProperty('x', { type: 'strin', description: 'x' }))).toMatchObject({
      kind: 'refused',
      code: 'invalid_contract',
    });
    expect(
      plan(registry(), withProperty('x', { type: 'string', description: 'x', 'x-unknown': 1 })),
    ).toMatchObject({ kind: 'refused', code: 'invalid_contract' });
  });

  it('refuses when a lint rule the registry makes mandatory fails, and only warns otherwise', () => {
    const undescribed = withProperty('note', { type: 'string' });
    const warned = plan(registry(), undescribed);
    expect(warned.kind === 'new' && warned.lint.map((finding) => finding.rule)).toEqual([
      'descriptions',
    ]);
    const strict = registry();
    strict.putConfig({ compatibility: 'BACKWARD', lintRequired: ['descriptions'] });
    expect(plan(strict, undescribed)).toMatchObject({ kind: 'refused', code: 'lint_failed' });
  });
});

/**
 * Recursive schemas: comparisons end, stay fast on recursive unions, and do not let an assumption
 * made for a pair still being compared hide a real incompatibility.
 */
import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../contracts/contract';
import { diffSchemas } from './diff-schemas';

const products = ['Asset', 'Basket', 'Swap', 'Bond', 'Option', 'Future', 'Forward', 'Loan'];
const anyProduct = () => ({ oneOf: products.map((name) => ({ $ref: `#/definitions/${name}` })) });

/** Every product holds two unions of every product: a dense recursive graph. */
function trade(idType: (name: string) => string): JsonSchema {
  const definitions = Object.fromEntries(
    products.map((name) => [
      name,
      {
        type: 'object',
        properties: {
          id: { type: idType(name) },
          underlying: anyProduct(),
          referenceProduct: anyProduct(),
        },
      },
    ]),
  );
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: true,
    definitions,
    properties: { tradeId: { type: 'string' }, product: anyProduct() },
  };
}

/**
 * T0 and T1 each hold an `id` and a `ref` (a oneOf of one) to T2; T2 refers back to T0. The root
 * is a oneOf of T0 and T1. Both ids change type, so no alternative of the old union is read by
 * the new one.
 */
function cycle(t0Id: string, t1Id: string): JsonSchema {
  const node = (idType: string, target: string) => ({
    type: 'object',
    additionalProperties: true,
    properties: {
      id: { type: idType },
      ref: { oneOf: [{ $ref: `#/definitions/${target}` }] },
    },
  });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: true,
    definitions: { T0: node(t0Id, 'T2'), T1: node(t1Id, 'T2'), T2: node('integer', 'T0') },
    properties: {
      root: { oneOf: [{ $ref: '#/definitions/T0' }, { $ref: '#/definitions/T1' }] },
    },
  };
}

describe('recursive schemas', () => {
  it('compare a dense recursive union quickly', () => {
    const started = performance.now();
    const same = diffSchemas(
      trade(() => 'string'),
      trade(() => 'string'),
    );
    expect(same).toEqual({ compatible: true, changes: [] });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('find a change deep inside a recursive union', () => {
    const result = diffSchemas(
      trade(() => 'string'),
      trade((name) => (name === 'Asset' ? 'number' : 'string')),
    );
    expect(result.compatible).toBe(false);
    expect(
      result.changes.some((change) => change.kind === 'COMBINED_TYPE_SUBSCHEMAS_CHANGED'),
    ).toBe(true);
  });

  it('do not let an assumption about a pair in progress mask an incompatibility', () => {
    const result = diffSchemas(cycle('integer', 'boolean'), cycle('boolean', 'number'));
    expect(result.compatible).toBe(false);
    expect(diffSchemas(cycle('integer', 'boolean'), cycle('integer', 'boolean')).compatible).toBe(
      true,
    );
    expect(diffSchemas(cycle('integer', 'boolean'), cycle('number', 'boolean')).compatible).toBe(
      true,
    );
  });

  it('report a change once per place it is reached, with the pointer of that place', () => {
    const shared = (type: string): JsonSchema => ({
      type: 'object',
      $defs: { money: { type: 'object', properties: { amount: { type } } } },
      properties: { price: { $ref: '#/$defs/money' }, tax: { $ref: '#/$defs/money' } },
    });
    const pointers = diffSchemas(shared('number'), shared('string'))
      .changes.map((change) => change.pointer)
      .sort();
    expect(pointers).toEqual([
      '#/properties/price/properties/amount',
      '#/properties/tax/properties/amount',
    ]);
  });
});

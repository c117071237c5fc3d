/**
 * allOf / anyOf / oneOf, as Confluent Schema Registry judges them (its combined-schema examples,
 * restated here): which changes of criterion widen, how alternatives pair up, and how a plain
 * schema relates to a combination.
 */
import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../contracts/contract';
import { diffSchemas } from './diff-schemas';

const str = { type: 'string' };
const num = { type: 'number' };
const prop = (schema: unknown): JsonSchema => ({ type: 'object', properties: { prop1: schema } });

interface Case {
  readonly name: string;
  readonly original: unknown;
  readonly update: unknown;
  readonly compatible: boolean;
  readonly kinds: readonly string[];
}

const cases: readonly Case[] = [
  {
    name: 'allOf members reordered',
    original: { allOf: [{ enum: ['one', 'two'] }, str, { maxLength: 5 }] },
    update: { allOf: [{ maxLength: 5 }, { enum: ['one', 'two'] }, str] },
    compatible: true,
    kinds: [],
  },
  {
    name: 'allOf member changed type',
    original: { allOf: [{ enum: ['one', 'two'] }, str, { maxLength: 5 }] },
    update: { allOf: [{ maxLength: 5 }, { enum: ['one', 'two'] }, num] },
    compatible: false,
    kinds: ['COMBINED_TYPE_SUBSCHEMAS_CHANGED'],
  },
  {
    name: 'duplicate members count once',
    original: { allOf: [str, str] },
    update: { allOf: [str] },
    compatible: true,
    kinds: [],
  },
  {
    name: 'oneOf gains an alternative',
    original: { oneOf: [{ type: 'string', maxLength: 5 }] },
    update: { oneOf: [{ type: 'boolean' }, num, { title: 'my string', ...str, maxLength: 8 }] },
    compatible: true,
    kinds: ['SUM_TYPE_EXTENDED', 'TITLE_CHANGED', 'MAX_LENGTH_INCREASED'],
  },
  {
    name: 'oneOf loses an alternative',
    original: { oneOf: [num, str] },
    update: { oneOf: [str] },
    compatible: false,
    kinds: ['SUM_TYPE_NARROWED'],
  },
  {
    name: 'allOf loses a member',
    original: { allOf: [{ enum: ['one'] }, str] },
    update: { allOf: [str] },
    compatible: true,
    kinds: ['PRODUCT_TYPE_NARROWED'],
  },
  {
    name: 'allOf gains a member',
    original: { allOf: [str] },
    update: { allOf: [{ enum: ['one'] }, str] },
    compatible: false,
    kinds: ['PRODUCT_TYPE_EXTENDED'],
  },
  {
    name: 'oneOf to anyOf',
    original: { oneOf: [str] },
    update: { anyOf: [num, str] },
    compatible: true,
    kinds: ['COMBINED_TYPE_EXTENDED', 'SUM_TYPE_EXTENDED'],
  },
  {
    name: 'oneOf to anyOf with fewer alternatives',
    original: { oneOf: [num, str] },
    update: { anyOf: [str] },
    compatible: false,
    kinds: ['COMBINED_TYPE_EXTENDED', 'SUM_TYPE_NARROWED'],
  },
  {
    name: 'allOf to anyOf with fewer members',
    original: { allOf: [num, str] },
    update: { anyOf: [str] },
    compatible: true,
    kinds: ['COMBINED_TYPE_EXTENDED', 'PRODUCT_TYPE_NARROWED'],
  },
  {
    name: 'anyOf to oneOf',
    original: { anyOf: [str] },
    update: { oneOf: [num, str] },
    compatible: true,
    kinds: ['COMBINED_TYPE_EXTENDED', 'SUM_TYPE_EXTENDED'],
  },
  {
    name: 'anyOf of two to oneOf of one',
    original: { anyOf: [num, str] },
    update: { oneOf: [str] },
    compatible: false,
    kinds: ['COMBINED_TYPE_CHANGED'],
  },
  {
    name: 'allOf of two to oneOf of one',
    original: { allOf: [num, str] },
    update: { oneOf: [str] },
    compatible: true,
    kinds: ['COMBINED_TYPE_EXTENDED', 'PRODUCT_TYPE_NARROWED'],
  },
  {
    name: 'anyOf of one to allOf of one',
    original: { anyOf: [str] },
    update: { allOf: [str] },
    compatible: true,
    kinds: ['COMBINED_TYPE_EXTENDED'],
  },
  {
    name: 'anyOf of one to allOf of two',
    original: { anyOf: [str] },
    update: { allOf: [num, str] },
    compatible: false,
    kinds: ['COMBINED_TYPE_CHANGED'],
  },
  {
    name: 'plain schema to anyOf holding it',
    original: str,
    update: { anyOf: [num, str] },
    compatible: true,
    kinds: ['SUM_TYPE_EXTENDED'],
  },
  {
    name: 'plain schema to allOf of one',
    original: str,
    update: { allOf: [str] },
    compatible: true,
    kinds: [],
  },
  {
    name: 'plain schema to allOf of two',
    original: str,
    update: { allOf: [num, str] },
    compatible: false,
    kinds: ['TYPE_CHANGED'],
  },
  {
    name: 'allOf of two to one of its members',
    original: { allOf: [{ maxLength: 5 }, str] },
    update: str,
    compatible: true,
    // The first member the plain schema reads is paired, with its own differences.
    kinds: ['MAX_LENGTH_REMOVED', 'PRODUCT_TYPE_NARROWED'],
  },
];

describe('combined schemas (Confluent semantics)', () => {
  it.each(cases)('$name → compatible: $compatible', (testCase) => {
    const result = diffSchemas(prop(testCase.original), prop(testCase.update));
    expect(result.compatible).toBe(testCase.compatible);
    expect(result.changes.map((change) => change.kind)).toEqual(testCase.kinds);
    for (const change of result.changes) expect(change.pointer).toMatch(/^#\/properties\/prop1/);
  });

  it('a const is compared by value and reported at /const', () => {
    const result = diffSchemas(prop({ const: 'red' }), prop({ const: 'blue' }));
    expect(result.changes).toMatchObject([
      { kind: 'ENUM_ARRAY_CHANGED', pointer: '#/properties/prop1/const', compatible: false },
    ]);
    expect(diffSchemas(prop({ const: { a: [1] } }), prop({ const: { a: [1] } })).changes).toEqual(
      [],
    );
  });
});

import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../contracts/contract';
import { checkCompatibility } from './check-compatibility';
import { diffSchemas } from './diff-schemas';

const closed = (properties: Record<string, unknown>, required: string[] = []): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  properties,
  required,
});
const v1 = closed({ id: { type: 'string' }, amount: { type: 'number' } }, ['id']);
const v2 = closed(
  { id: { type: 'string' }, amount: { type: 'number' }, note: { type: 'string' } },
  ['id'],
);
const v3 = closed({ id: { type: 'string' }, note: { type: 'string' } }, ['id']);

describe('checkCompatibility modes', () => {
  it('BACKWARD compares with the latest version only; BACKWARD_TRANSITIVE with all', () => {
    // v3 removes `amount` from a closed model: data written with v2 may carry it.
    expect(checkCompatibility([v1, v2], v3, 'BACKWARD').compatible).toBe(false);
    // Adding an optional property to a closed model is backward compatible, with the latest and with all.
    expect(checkCompatibility([v1], v2, 'BACKWARD').compatible).toBe(true);
  });

  it('transitive: compatible with the latest, not with the first', () => {
    const first = closed({ id: { type: 'string' }, qty: { type: 'integer' } }, ['id']);
    const second = {
      ...(first as object),
      additionalProperties: { type: 'integer' },
      properties: { id: { type: 'string' } },
    } as JsonSchema;
    const third = { ...(second as object), additionalProperties: true } as JsonSchema;
    // third vs second: additionalProperties schema → open: compatible (extended).
    expect(checkCompatibility([first, second], third, 'BACKWARD').compatible).toBe(true);
    const transitive = checkCompatibility([first, second], third, 'BACKWARD_TRANSITIVE');
    expect(transitive.compatible).toBe(true);

    const a = { type: 'string', maxLength: 10 };
    const b = { type: 'string', maxLength: 20 };
    const c = { type: 'string', maxLength: 20, minLength: 1 };
    expect(checkCompatibility([a, b], c, 'BACKWARD').compatible).toBe(false);
    const d = { type: 'string', maxLength: 15 };
    // d is narrower than b (latest): incompatible; vs a alone it would be fine.
    expect(checkCompatibility([a], d, 'BACKWARD').compatible).toBe(true);
    const result = checkCompatibility([a, b], d, 'BACKWARD_TRANSITIVE');
    expect(result.compatible).toBe(false);
    expect(
      result.changes.filter((change) => !change.compatible).map((change) => change.againstVersion),
    ).toEqual([2]);
  });

  it('a change that is fine against the latest but breaks an older version fails only transitively', () => {
    const old = { type: 'string', maxLength: 30 };
    const latest = { type: 'string' };
    const candidate = { type: 'string', maxLength: 40 };
    // FORWARD: can readers of the registered versions read data written with the candidate?
    // The latest (no maxLength) can; the first (maxLength 30) cannot read 40-character strings.
    expect(checkCompatibility([old, latest], candidate, 'FORWARD').compatible).toBe(true);
    const forwardTransitive = checkCompatibility([old, latest], candidate, 'FORWARD_TRANSITIVE');
    expect(forwardTransitive.compatible).toBe(false);
    expect(forwardTransitive.changes.find((change) => !change.compatible)).toMatchObject({
      kind: 'MAX_LENGTH_DECREASED',
      againstVersion: 1,
    });
  });

  it('FORWARD swaps the pair; FULL needs both directions; NONE accepts anything', () => {
    const narrow = { type: 'string', maxLength: 10 };
    const wide = { type: 'string', maxLength: 20 };
    expect(checkCompatibility([narrow], wide, 'BACKWARD').compatible).toBe(true);
    expect(checkCompatibility([narrow], wide, 'FORWARD').compatible).toBe(false);
    expect(checkCompatibility([wide], narrow, 'FORWARD').compatible).toBe(true);
    expect(checkCompatibility([narrow], wide, 'FULL').compatible).toBe(false);
    expect(
      checkCompatibility([narrow], { ...narrow, description: 'Name' }, 'FULL').compatible,
    ).toBe(true);
    expect(checkCompatibility([narrow], { type: 'integer' }, 'NONE').compatible).toBe(true);
    expect(checkCompatibility([], { type: 'integer' }, 'BACKWARD_TRANSITIVE').compatible).toBe(
      true,
    );
  });
});

describe('diffSchemas', () => {
  it('resolves $ref within a schema and to another registered contract', () => {
    const money = {
      type: 'object',
      additionalProperties: false,
      properties: { amount: { type: 'number' } },
      required: ['amount'],
    };
    const registered: Record<string, JsonSchema> = {
      'https://schemas.plumbline.dev/contracts/money/v1.json': money,
    };
    const local = (amountType: string) => ({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { total: { type: amountType } },
      properties: { total: { $ref: '#/$defs/total' } },
    });
    expect(
      diffSchemas(local('number'), local('string')).changes.map((change) => change.kind),
    ).toContain('TYPE_CHANGED');
    const external = {
      type: 'object',
      properties: { price: { $ref: 'https://schemas.plumbline.dev/contracts/money/v1.json' } },
    };
    const widened = {
      type: 'object',
      properties: {
        price: { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] },
      },
    };
    const result = diffSchemas(external, widened, { resolveExternalRef: (uri) => registered[uri] });
    expect(result.compatible).toBe(true);
    expect(result.changes.map((change) => change.kind)).toContain('ADDITIONAL_PROPERTIES_ADDED');
  });

  it('understands 2020-12 tuples (prefixItems) like draft-7 tuples (items array)', () => {
    const draft7 = (items: unknown[]) => ({ type: 'array', items, additionalItems: false });
    const draft2020 = (prefixItems: unknown[]) => ({ type: 'array', prefixItems, items: false });
    const kinds = (r: ReturnType<typeof diffSchemas>) => r.changes.map((change) => change.kind);
    expect(
      kinds(
        diffSchemas(draft7([{ type: 'string' }]), draft7([{ type: 'string' }, { type: 'number' }])),
      ),
    ).toEqual(['ITEM_ADDED_TO_CLOSED_CONTENT_MODEL']);
    expect(
      kinds(
        diffSchemas(
          draft2020([{ type: 'string' }]),
          draft2020([{ type: 'string' }, { type: 'number' }]),
        ),
      ),
    ).toEqual(['ITEM_ADDED_TO_CLOSED_CONTENT_MODEL']);
  });

  it('terminates on recursive schemas', () => {
    const tree = (leaf: string) => ({
      $defs: {
        node: {
          type: 'object',
          properties: {
            value: { type: leaf },
            children: { type: 'array', items: { $ref: '#/$defs/node' } },
          },
        },
      },
      $ref: '#/$defs/node',
    });
    expect(diffSchemas(tree('string'), tree('string')).compatible).toBe(true);
    expect(diffSchemas(tree('string'), tree('number')).compatible).toBe(false);
  });

  it('reports pointer, kind, old and new value and a sentence for each incompatible change', () => {
    const result = diffSchemas(
      { type: 'string', maxLength: 20 },
      { type: 'string', maxLength: 10 },
    );
    expect(result.changes).toEqual([
      {
        pointer: '#/maxLength',
        kind: 'MAX_LENGTH_DECREASED',
        compatible: false,
        oldValue: 20,
        newValue: 10,
        message: 'max length decreased at /maxLength (was 20, now 10)',
      },
    ]);
  });
});

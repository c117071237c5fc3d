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

  it('BACKWARD_TRANSITIVE: compatible with the latest, not with the first', () => {
    // v1 carries `amount` as a number; v2 (registered under NONE, say) dropped it; the candidate
    // brings `amount` back as a string. Against v2 that is an optional property added to a closed
    // object (fine); against v1 a reader expecting a string would meet numbers.
    const first = closed({ id: { type: 'string' }, amount: { type: 'number' } }, ['id']);
    const second = closed({ id: { type: 'string' } }, ['id']);
    const candidate = closed({ id: { type: 'string' }, amount: { type: 'string' } }, ['id']);
    expect(checkCompatibility([first, second], candidate, 'BACKWARD').compatible).toBe(true);
    const transitive = checkCompatibility([first, second], candidate, 'BACKWARD_TRANSITIVE');
    expect(transitive.compatible).toBe(false);
    expect(transitive.changes.filter((change) => !change.compatible)).toEqual([
      expect.objectContaining({
        kind: 'TYPE_CHANGED',
        pointer: '#/properties/amount',
        againstVersion: 1,
      }),
    ]);
    // Every change says which version it was found against, compatible ones included.
    expect(new Set(transitive.changes.map((change) => change.againstVersion))).toEqual(
      new Set([1, 2]),
    );
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

  it('FULL_TRANSITIVE needs both directions against every version, FULL only the latest', () => {
    // Three versions: the first allowed up to 30 characters, the next two any length.
    const first = { type: 'string', maxLength: 30 };
    const second = { type: 'string' };
    const third = { type: 'string', description: 'Free text.' };
    const candidate = { type: 'string', description: 'Free text, any length.' };
    expect(checkCompatibility([first, second, third], candidate, 'FULL').compatible).toBe(true);
    const full = checkCompatibility([first, second, third], candidate, 'FULL_TRANSITIVE');
    expect(full.compatible).toBe(false);
    expect(full.changes.filter((change) => !change.compatible)).toEqual([
      expect.objectContaining({ againstVersion: 1 }),
    ]);
    // Against the second and third versions alone it holds both ways.
    expect(checkCompatibility([second, third], candidate, 'FULL_TRANSITIVE').compatible).toBe(true);
    // BACKWARD_TRANSITIVE holds across all three: new readers read every older writer's data.
    expect(
      checkCompatibility([first, second, third], candidate, 'BACKWARD_TRANSITIVE').compatible,
    ).toBe(true);
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
        message:
          'maxLength at the root went down from 20 to 10; incompatible: data written with the old schema may be refused.',
      },
    ]);
  });

  it('an incompatible change under every mode carries a pointer and a sentence', () => {
    const v1 = closed({ id: { type: 'string' }, amount: { type: 'number' } }, ['id']);
    const v2 = closed({ id: { type: 'integer' }, note: { type: 'string' } }, ['id', 'note']);
    for (const mode of [
      'BACKWARD',
      'BACKWARD_TRANSITIVE',
      'FORWARD',
      'FORWARD_TRANSITIVE',
      'FULL',
      'FULL_TRANSITIVE',
    ] as const) {
      const result = checkCompatibility([v1], v2, mode);
      expect(result.compatible, mode).toBe(false);
      for (const change of result.changes.filter((c) => !c.compatible)) {
        expect(change.pointer).toMatch(/^#\/./);
        expect(change.message).toMatch(/^\S.{20,}\.$/);
        expect(change.againstVersion).toBe(1);
      }
    }
  });
});

describe('lenient mode', () => {
  const open = (properties: Record<string, unknown>, required: string[] = []): JsonSchema => ({
    type: 'object',
    properties,
    required,
  });

  it('accepts an optional property added to an open object, which strict refuses', () => {
    const before = open({ id: { type: 'string' } });
    const after = open({ id: { type: 'string' }, note: { type: 'string' } });
    expect(diffSchemas(before, after).compatible).toBe(false);
    expect(diffSchemas(before, after, { lenient: true }).compatible).toBe(true);
    expect(checkCompatibility([before], after, 'BACKWARD', { lenient: true }).compatible).toBe(
      true,
    );
    const [change] = diffSchemas(before, after, { lenient: true }).changes;
    expect(change).toMatchObject({
      kind: 'OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL',
      pointer: '#/properties/note',
      compatible: true,
    });
  });

  it('still refuses a required property without a default, and a changed type', () => {
    const before = open({ id: { type: 'string' } });
    const required = open({ id: { type: 'string' }, note: { type: 'string' } }, ['note']);
    expect(diffSchemas(before, required, { lenient: true }).changes[0]?.kind).toBe(
      'REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL',
    );
    expect(diffSchemas(before, required, { lenient: true }).compatible).toBe(false);
    const withDefault = open({ id: { type: 'string' }, note: { type: 'string', default: '' } }, [
      'note',
    ]);
    expect(diffSchemas(before, withDefault).changes[0]?.kind).toBe(
      'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL',
    );
    expect(diffSchemas(before, withDefault).compatible).toBe(false);
    expect(diffSchemas(before, withDefault, { lenient: true }).compatible).toBe(true);
    expect(
      diffSchemas(before, open({ id: { type: 'number' } }), { lenient: true }).compatible,
    ).toBe(false);
  });
});

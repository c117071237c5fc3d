import { describe, expect, it } from 'vitest';
import { isPlumblineError } from '../errors';
import {
  parseJsonPatch,
  patchEnvelope,
  patchEnvelopeBytes,
  pointerTokens,
  readJsonPatch,
  valueAt,
  type PatchOperation,
} from './json-patch';
import { anEnvelope, decodeJson, encodeJson, thrown } from './test-fixtures';

const problemsOf = (input: unknown) => readJsonPatch(input, 'patch').problems;

describe('readJsonPatch: shapes', () => {
  it('accepts the six RFC 6902 operations and ignores members they do not define', () => {
    const ops = parseJsonPatch([
      { op: 'add', path: '/data/lines/-', value: { amount: 1 } },
      { op: 'remove', path: '/data/note', value: 'ignored' },
      { op: 'replace', path: '/data/amount_total', value: 5 },
      { op: 'move', from: '/data/old', path: '/data/new' },
      { op: 'copy', from: '/data/a', path: '/data/b' },
      { op: 'test', path: '/data/currency', value: null },
    ]);
    expect(ops[1]).toEqual({ op: 'remove', path: '/data/note' });
    expect(ops[5]).toEqual({ op: 'test', path: '/data/currency', value: null });
  });

  it.each([
    ['not a list', { op: 'add' }, /must be a list/],
    ['empty', [], /1 to 100 operations/],
    [
      'too many',
      Array.from({ length: 101 }, () => ({ op: 'remove', path: '/data/x' })),
      /1 to 100/,
    ],
    ['an unknown op', [{ op: 'merge', path: '/data' }], /'op' must be one of/],
    ['a path that is not a pointer', [{ op: 'remove', path: 'data/x' }], /JSON pointer/],
    ['a bad escape', [{ op: 'remove', path: '/data/a~2' }], /JSON pointer/],
    ['add without value', [{ op: 'add', path: '/data/x' }], /'value' is required for add/],
    ['move without from', [{ op: 'move', path: '/data/x' }], /'from' must be a JSON pointer/],
    ['an op that is not an object', ['remove'], /must be an object/],
  ])('refuses %s', (_what, input, message) => {
    const problems = problemsOf(input);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(message);
  });

  it('names the failing operation by index, listing every one', () => {
    expect(
      problemsOf([
        { op: 'replace', path: '/data/x', value: 1 },
        { op: 'nope', path: '/data' },
        { op: 'replace', path: '/id', value: 'x' },
      ]).map((problem) => problem.path),
    ).toEqual(['patch[1]', 'patch[2]']);
  });
});

describe('readJsonPatch: what a patch may touch', () => {
  it.each<[string, unknown]>([
    ['replacing the whole envelope', { op: 'replace', path: '', value: {} }],
    ['removing the whole envelope', { op: 'remove', path: '' }],
    ['changing the id', { op: 'replace', path: '/id', value: 'co-2' }],
    ['removing the source', { op: 'remove', path: '/source' }],
    ['moving the type away', { op: 'move', from: '/type', path: '/data/type' }],
    ['copying over the id', { op: 'copy', from: '/data/ref', path: '/id' }],
    ['setting replayof', { op: 'add', path: '/replayof', value: 'dlq:1' }],
    ['removing replayjob', { op: 'remove', path: '/replayjob' }],
    ['creating an invalid attribute', { op: 'add', path: '/Bad-Name', value: 'x' }],
    ['touching __proto__', { op: 'add', path: '/data/__proto__/x', value: 1 }],
    ['moving a value into itself', { op: 'move', from: '/data/a', path: '/data/a/b' }],
  ])('refuses %s', (_what, op) => {
    expect(problemsOf([op])).toHaveLength(1);
  });

  it.each<[string, unknown]>([
    ['anything in data', { op: 'replace', path: '/data/lines/3/amount', value: 1 }],
    ['the whole data', { op: 'replace', path: '/data', value: {} }],
    [
      'dataschema, to move to a new contract version',
      { op: 'replace', path: '/dataschema', value: 'x' },
    ],
    ['a new extension', { op: 'add', path: '/costcenter', value: 'cc-1' }],
    ['removing a badly named member', { op: 'remove', path: '/Bad-Name' }],
    ['adding an id (checked per envelope)', { op: 'add', path: '/id', value: 'co-1' }],
    ['testing the id', { op: 'test', path: '/id', value: 'co-1' }],
    ['copying from the id into data', { op: 'copy', from: '/id', path: '/data/ref' }],
  ])('allows %s', (_what, op) => {
    expect(problemsOf([op])).toEqual([]);
  });

  it('throws one bad_request with every problem from parseJsonPatch', () => {
    const error = thrown(() => parseJsonPatch([{ op: 'remove', path: '/id' }, {}]));
    expect(isPlumblineError(error) && error.code).toBe('bad_request');
    expect(isPlumblineError(error) && error.details.problems).toHaveLength(2);
  });
});

describe('pointers', () => {
  it('decodes ~1 and ~0', () => {
    expect(pointerTokens('/a~1b/c~0d/~01')).toEqual(['a/b', 'c~d', '~1']);
    expect(pointerTokens('')).toEqual([]);
  });

  it('finds own values only', () => {
    const doc = { a: [1, { b: null }], c: {} };
    expect(valueAt(doc, '/a/1/b')).toEqual({ found: true, value: null });
    expect(valueAt(doc, '/a/2')).toEqual({ found: false });
    expect(valueAt(doc, '/a/01')).toEqual({ found: false });
    expect(valueAt(doc, '/c/toString')).toEqual({ found: false });
    expect(valueAt(doc, '')).toEqual({ found: true, value: doc });
  });
});

describe('patchEnvelope', () => {
  it('applies in order and keeps the before and after of every touched path', () => {
    const original = anEnvelope({}, { lines: [{ amount: '10' }, { amount: 2 }] });
    const ops: PatchOperation[] = [
      { op: 'test', path: '/data/amount_total', value: -5 },
      { op: 'replace', path: '/data/amount_total', value: 5 },
      { op: 'replace', path: '/data/lines/0/amount', value: 10 },
      { op: 'add', path: '/data/note', value: 'fixed by support' },
      { op: 'move', from: '/data/currency', path: '/data/currency_code' },
      {
        op: 'replace',
        path: '/dataschema',
        value: 'https://schemas.plumbline.dev/contracts/change_order.approved/v2.json',
      },
    ];
    const result = patchEnvelope(original, ops);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.document.data).toEqual({
      change_order_ref: 'CO-0042',
      amount_total: 5,
      lines: [{ amount: 10 }, { amount: 2 }],
      note: 'fixed by support',
      currency_code: 'USD',
    });
    expect(result.diff.ops).toBe(ops);
    expect(result.diff.changes).toStrictEqual([
      { opIndex: 1, op: 'replace', path: '/data/amount_total', before: -5, after: 5 },
      { opIndex: 2, op: 'replace', path: '/data/lines/0/amount', before: '10', after: 10 },
      { opIndex: 3, op: 'add', path: '/data/note', after: 'fixed by support' },
      { opIndex: 4, op: 'move', path: '/data/currency', before: 'USD' },
      { opIndex: 4, op: 'move', path: '/data/currency_code', after: 'USD' },
      {
        opIndex: 5,
        op: 'replace',
        path: '/dataschema',
        before: 'https://schemas.plumbline.dev/contracts/change_order.approved/v1.json',
        after: 'https://schemas.plumbline.dev/contracts/change_order.approved/v2.json',
      },
    ]);
    expect((original.data as Record<string, unknown>).amount_total).toBe(-5); // untouched
  });

  it.each<[string, PatchOperation, RegExp]>([
    [
      'a missing path',
      { op: 'replace', path: '/data/missing', value: 1 },
      /op 1 \(replace \/data\/missing\): the path does not exist/,
    ],
    [
      'a missing parent',
      { op: 'add', path: '/data/a/b', value: 1 },
      /op 1 .*: the (parent of the )?path does not exist/,
    ],
    ['a removal of nothing', { op: 'remove', path: '/data/missing' }, /op 1 .*does not exist/],
    [
      'a failed test',
      { op: 'test', path: '/data/currency', value: 'EUR' },
      /op 1 .*the test failed/,
    ],
    [
      'an index past the end',
      { op: 'add', path: '/data/lines/5', value: 1 },
      /op 1 .*past the end/,
    ],
    [
      'a non-numeric index',
      { op: 'add', path: '/data/lines/x', value: 1 },
      /op 1 .*invalid array index/,
    ],
    [
      'a missing from',
      { op: 'copy', from: '/data/nope', path: '/data/x' },
      /op 1 \(copy \/data\/x from \/data\/nope\): the 'from' path does not exist/,
    ],
  ])(
    'fails on %s with the index of the failing operation, all or nothing',
    (_what, op, message) => {
      const original = anEnvelope({}, { lines: [] });
      const result = patchEnvelope(original, [
        { op: 'replace', path: '/data/amount_total', value: 1 },
        op,
      ]);
      expect(result).toMatchObject({ ok: false, code: 'operation_failed', opIndex: 1 });
      expect(!result.ok && result.message).toMatch(message);
      expect((original.data as Record<string, unknown>).amount_total).toBe(-5);
    },
  );

  it('adds an identity member only when the original lacks it', () => {
    const add: PatchOperation = { op: 'add', path: '/id', value: 'co-9' };
    const { id: _id, ...withoutId } = anEnvelope();
    const completed = patchEnvelope(withoutId, [add]);
    expect(completed.ok && completed.document.id).toBe('co-9');
    expect(patchEnvelope(anEnvelope(), [add])).toMatchObject({
      ok: false,
      code: 'protected_member',
      opIndex: 0,
      message: expect.stringMatching(/already has \/id/) as unknown,
    });
  });

  it('does not let one application alter the operations reused for the next envelope', () => {
    const ops: PatchOperation[] = [
      { op: 'add', path: '/data/meta', value: { tags: [] } },
      { op: 'add', path: '/data/meta/tags/-', value: 'replayed' },
    ];
    const first = patchEnvelope(anEnvelope(), ops);
    const second = patchEnvelope(anEnvelope(), ops);
    expect(ops[0]).toEqual({ op: 'add', path: '/data/meta', value: { tags: [] } });
    expect(first.ok && first.document.data).toEqual(second.ok && second.document.data);
    expect(second.ok && (second.document.data as { meta: unknown }).meta).toEqual({
      tags: ['replayed'],
    });
  });
});

describe('patchEnvelopeBytes', () => {
  it('goes bytes → object → patched → bytes', () => {
    const result = patchEnvelopeBytes(encodeJson(anEnvelope()), [
      { op: 'replace', path: '/data/amount_total', value: 5 },
    ]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(decodeJson(result.body)).toEqual(anEnvelope({}, { amount_total: 5 }));
    expect(result.diff.changes).toHaveLength(1);
  });

  it('refuses bytes that are not a JSON object', () => {
    const op: PatchOperation = { op: 'remove', path: '/data' };
    expect(patchEnvelopeBytes(new TextEncoder().encode('{"id":'), [op])).toMatchObject({
      ok: false,
      code: 'not_json',
    });
    expect(patchEnvelopeBytes(new Uint8Array([0xff, 0xfe]), [op])).toMatchObject({
      ok: false,
      code: 'not_json',
    });
    expect(patchEnvelopeBytes(encodeJson([1]), [op])).toMatchObject({
      ok: false,
      code: 'not_an_object',
    });
  });
});

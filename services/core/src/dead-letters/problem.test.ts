import { describe, expect, it } from 'vitest';
import { normalisePointer, parseProblemKey, problemKey, summariseProblems } from './problem';
import { aDeadLetter, t0 } from './test-fixtures';
import type { Triage } from './triage';

describe('normalisePointer', () => {
  it.each([
    ['/lines/3/amount', '/lines/*/amount'],
    ['/lines/0/taxes/12/rate', '/lines/*/taxes/*/rate'],
    ['/amount_total', '/amount_total'],
    ['', ''],
    ['/lines/03/x', '/lines/03/x'], // not an array index: leading zero
    ['/a~1b/7', '/a~1b/*'],
  ])('%s → %s', (pointer, expected) => {
    expect(normalisePointer(pointer)).toBe(expected);
  });
});

describe('problemKey', () => {
  it('groups by reason, type and the first pointer with indices as *', () => {
    const key = problemKey(
      aDeadLetter({
        errors: [
          { pointer: '/lines/3/amount', keyword: 'type', message: 'must be number' },
          { pointer: '/currency', keyword: 'required', message: 'is required' },
        ],
      }),
    );
    expect(key).toBe('schema_violation|change_order.approved|/lines/*/amount');
    expect(parseProblemKey(key)).toEqual({
      reason: 'schema_violation',
      type: 'change_order.approved',
      pointer: '/lines/*/amount',
    });
  });

  it('uses an empty pointer for reasons without errors, keeping types apart', () => {
    const a = problemKey(aDeadLetter({ reason: 'unknown_contract', errors: [] }));
    const b = problemKey(aDeadLetter({ reason: 'unknown_contract', errors: [], type: 'x.y' }));
    expect(a).toBe('unknown_contract|change_order.approved|');
    expect(a).not.toBe(b);
  });

  it('reads back a pointer containing the separator', () => {
    expect(parseProblemKey('schema_violation|t.x|/a|b')?.pointer).toBe('/a|b');
    expect(parseProblemKey('no separators')).toBeUndefined();
  });
});

describe('summariseProblems', () => {
  const failures = Array.from({ length: 1_000 }, (_, index) =>
    aDeadLetter({
      seq: index + 1,
      deadLetteredAt: t0 + index * 1_000,
      detail: `/lines/${index}/amount must be number`,
      errors: [{ pointer: `/lines/${index}/amount`, keyword: 'type', message: 'must be number' }],
      state: index < 10 ? 'replayed' : 'open',
    }),
  );

  it('shows a thousand failures of one cause as one problem with a count and first/last seen', () => {
    const other = aDeadLetter({ seq: 5_000, reason: 'too_large', errors: [], detail: 'too big' });
    const problems = summariseProblems([...failures, other]);
    expect(problems).toHaveLength(2);
    const [main, second] = problems;
    expect(main).toMatchObject({
      key: 'schema_violation|change_order.approved|/lines/*/amount',
      reason: 'schema_violation',
      type: 'change_order.approved',
      pointer: '/lines/*/amount',
      count: 1_000,
      open: 990,
      firstSeen: t0,
      lastSeen: t0 + 999_000,
      sampleSeq: 1_000,
      sampleMessage: '/lines/999/amount must be number',
      triage: { state: 'open' },
    });
    expect(second?.count).toBe(1);
  });

  it('carries the triage support set, and reopens a resolved problem that failed again', () => {
    const key = 'schema_violation|change_order.approved|/lines/*/amount';
    const acknowledged: Triage = {
      state: 'acknowledged',
      note: '',
      changedBy: 'sam',
      changedAt: t0 + 2_000_000,
    };
    expect(summariseProblems(failures, new Map([[key, acknowledged]]))[0]?.triage).toEqual(
      acknowledged,
    );

    const resolvedBefore: Triage = {
      state: 'resolved',
      note: 'contract v2 accepts strings',
      changedBy: 'sam',
      changedAt: t0 + 500_000,
    };
    const reopened = summariseProblems(failures, new Map([[key, resolvedBefore]]))[0]?.triage;
    expect(reopened).toMatchObject({ state: 'open', changedBy: 'system', changedAt: t0 + 999_000 });

    const resolvedAfter = { ...resolvedBefore, changedAt: t0 + 2_000_000 };
    expect(summariseProblems(failures, new Map([[key, resolvedAfter]]))[0]?.triage).toEqual(
      resolvedAfter,
    );
  });
});

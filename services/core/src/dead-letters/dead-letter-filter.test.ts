import { describe, expect, it } from 'vitest';
import { isPlumblineError } from '../errors';
import {
  errorText,
  isEmptyFilter,
  matchesDeadLetterFilter,
  parseDeadLetterFilter,
  type DeadLetterFilter,
} from './dead-letter-filter';
import { aDeadLetter, t0, thrown } from './test-fixtures';

const deadLetter = aDeadLetter({
  errors: [
    { pointer: '/lines/3/amount', keyword: 'type', message: 'must be number' },
    {
      pointer: '/currency',
      keyword: 'enum',
      message: 'must be equal to one of the allowed values',
    },
  ],
});

describe('matchesDeadLetterFilter', () => {
  it.each<[string, DeadLetterFilter, boolean]>([
    ['no criterion', {}, true],
    ['reason listed', { reasons: ['too_large', 'schema_violation'] }, true],
    ['reason not listed', { reasons: ['too_large'] }, false],
    ['type', { types: ['change_order.approved'] }, true],
    ['other type', { types: ['invoice.posted'] }, false],
    ['contract version', { contractVersions: [1, 2] }, true],
    ['other contract version', { contractVersions: [2] }, false],
    ['source', { sources: ['costctl'] }, false],
    ['tenant', { tenants: ['acme-build-us'] }, true],
    ['state', { states: ['replayed'] }, false],
    ['business key', { businessKey: 'CO-0042' }, true],
    ['business key is exact', { businessKey: 'CO-004' }, false],
    ['correlation id', { correlationId: 'corr-1' }, true],
    ['problem key', { problemKey: 'schema_violation|change_order.approved|/lines/*/amount' }, true],
    ['from is inclusive', { from: t0 + 5 }, true],
    ['to is exclusive', { to: t0 + 5 }, false],
    ['inside the range', { from: t0, to: t0 + 6 }, true],
    ['text in an error message, any case', { text: 'ALLOWED VALUES' }, true],
    ['text in a pointer', { text: '/lines/3' }, true],
    ['text absent', { text: 'timeout' }, false],
    ['all criteria must hold', { types: ['change_order.approved'], sources: ['costctl'] }, false],
  ])('%s', (_what, filter, expected) => {
    expect(matchesDeadLetterFilter(deadLetter, filter)).toBe(expected);
  });

  it('searches the full error text: detail, pointers and messages', () => {
    expect(errorText(deadLetter)).toBe(
      '/amount_total must be >= 0\n/lines/3/amount must be number\n/currency must be equal to one of the allowed values',
    );
  });
});

describe('parseDeadLetterFilter', () => {
  it('reads every criterion, times as RFC 3339 or milliseconds, lists deduplicated', () => {
    expect(
      parseDeadLetterFilter({
        reasons: ['schema_violation', 'schema_violation'],
        types: ['change_order.approved'],
        contractVersions: [0, 2],
        sources: ['odoo'],
        tenants: ['acme-build-us'],
        states: ['open'],
        businessKey: 'CO-1',
        correlationId: 'c',
        problemKey: 'k',
        from: '2026-03-01T10:00:00Z',
        to: t0 + 1_000,
        text: 'amount',
      }),
    ).toEqual({
      reasons: ['schema_violation'],
      types: ['change_order.approved'],
      contractVersions: [0, 2],
      sources: ['odoo'],
      tenants: ['acme-build-us'],
      states: ['open'],
      businessKey: 'CO-1',
      correlationId: 'c',
      problemKey: 'k',
      from: t0,
      to: t0 + 1_000,
      text: 'amount',
    });
    expect(parseDeadLetterFilter({ from: '2026-03-01' })).toEqual({
      from: Date.parse('2026-03-01T00:00:00Z'),
    });
  });

  it('lists every problem at once', () => {
    const error = thrown(() =>
      parseDeadLetterFilter({
        reasons: ['nope'],
        states: [],
        contractVersions: [1.5],
        businessKey: '',
        from: '2026-03-01T10:00:00', // no zone: ambiguous
        to: 'yesterday',
        colour: 'red',
      }),
    );
    expect(isPlumblineError(error) && error.code).toBe('bad_request');
    if (!isPlumblineError(error)) return;
    expect((error.details.problems as { path: string }[]).map((problem) => problem.path)).toEqual([
      'filter.colour',
      'filter.reasons',
      'filter.states',
      'filter.contractVersions',
      'filter.businessKey',
      'filter.from',
      'filter.to',
    ]);
  });

  it('refuses a range that ends before it starts', () => {
    const error = thrown(() => parseDeadLetterFilter({ from: t0, to: t0 }));
    expect(isPlumblineError(error) && error.message).toMatch(/filter.to: must be after from/);
  });

  it('refuses a filter that is not an object', () => {
    expect(isPlumblineError(thrown(() => parseDeadLetterFilter([])))).toBe(true);
  });

  it('knows an empty filter', () => {
    expect(isEmptyFilter({})).toBe(true);
    expect(isEmptyFilter({ text: 'x' })).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { isPlumblineError } from '../errors';
import { parseReplayRequest } from './replay-request';
import { thrown } from './test-fixtures';

const reason = 'contract v2 now accepts the amount as a string';

function problemPaths(input: unknown): string[] {
  const error = thrown(() => parseReplayRequest(input));
  if (!isPlumblineError(error)) throw error;
  expect(error.code).toBe('bad_request');
  return (error.details.problems as { path: string }[]).map((problem) => problem.path);
}

describe('parseReplayRequest', () => {
  it('defaults to a dry run at 50 per second', () => {
    expect(parseReplayRequest({ select: { ids: [3, 1, 3] }, reason: `  ${reason} ` })).toEqual({
      select: { ids: [1, 3] },
      maxRatePerSecond: 50,
      dryRun: true,
      reason,
    });
  });

  it('reads a filter selection, a patch, a rate, a ticket and a real run', () => {
    expect(
      parseReplayRequest({
        select: { filter: { reasons: ['schema_violation'], from: '2026-03-01T00:00:00Z' } },
        patch: [{ op: 'replace', path: '/data/amount', value: 1 }],
        maxRatePerSecond: 0.5,
        dryRun: false,
        reason,
        ticket: 'SUP-1234',
      }),
    ).toEqual({
      select: {
        filter: { reasons: ['schema_violation'], from: Date.parse('2026-03-01T00:00:00Z') },
      },
      patch: [{ op: 'replace', path: '/data/amount', value: 1 }],
      maxRatePerSecond: 0.5,
      dryRun: false,
      reason,
      ticket: 'SUP-1234',
    });
  });

  it('lists every problem of a bad request at once', () => {
    expect(
      problemPaths({
        select: { filter: { reasons: ['nope'] } },
        patch: [{ op: 'replace', path: '/id', value: 'x' }],
        maxRatePerSecond: 5_000,
        dryRun: 'yes',
        reason: 'because',
        ticket: 'line\nbreak',
        extra: 1,
      }),
    ).toEqual([
      'extra',
      'select.filter.reasons',
      'patch[0]',
      'maxRatePerSecond',
      'dryRun',
      'reason',
      'ticket',
    ]);
  });

  it.each<[string, unknown]>([
    ['no selection', undefined],
    ['both ids and filter', { ids: [1], filter: { types: ['x'] } }],
    ['no ids', { ids: [] }],
    ['a non-integer id', { ids: [1.5] }],
    ['a zero id', { ids: [0] }],
    ['too many ids', { ids: Array.from({ length: 10_001 }, (_, i) => i + 1) }],
  ])('refuses %s', (_what, select) => {
    expect(problemPaths({ select, reason })[0]).toMatch(/^select/);
  });

  it('refuses an empty filter: replaying everything must be asked for explicitly', () => {
    expect(problemPaths({ select: { filter: {} }, reason })).toEqual(['select.filter']);
  });

  it.each([0, -1, Number.NaN, 1_001, '50'])('refuses the rate %s', (rate) => {
    expect(problemPaths({ select: { ids: [1] }, reason, maxRatePerSecond: rate })).toEqual([
      'maxRatePerSecond',
    ]);
  });

  it('requires a reason', () => {
    expect(problemPaths({ select: { ids: [1] } })).toEqual(['reason']);
    expect(problemPaths({ select: { ids: [1] }, reason: '         x' })).toEqual(['reason']);
  });

  it('refuses a body that is not an object', () => {
    expect(problemPaths('replay')).toEqual(['']);
  });
});

import { describe, expect, it } from 'vitest';
import type { SourceFreshness } from './kpi-definition';
import { staleSources } from './source-freshness';

const minute = 60_000;
const now = Date.parse('2026-03-02T12:00:00Z');
const every = (minutes: number): SourceFreshness => ({
  expectedEvery: `${minutes}m`,
  expectedEveryMs: minutes * minute,
});
const expectations = { odoo: every(15), costctl: every(60), payroll: every(1_440) };

describe('staleSources', () => {
  it('names the sources silent longer than expected, never-seen first, then most overdue', () => {
    const lastSeen = {
      odoo: now - 45 * minute, // 3× its expectation
      costctl: now - 90 * minute, // 1.5×
      payroll: now - 60 * minute, // well within a day
    };
    expect(staleSources({ ...expectations, crm: every(60) }, lastSeen, now)).toEqual([
      {
        source: 'crm',
        expectedEveryMs: 60 * minute,
        lastSeenAt: undefined,
        silentForMs: undefined,
      },
      {
        source: 'odoo',
        expectedEveryMs: 15 * minute,
        lastSeenAt: now - 45 * minute,
        silentForMs: 45 * minute,
      },
      {
        source: 'costctl',
        expectedEveryMs: 60 * minute,
        lastSeenAt: now - 90 * minute,
        silentForMs: 90 * minute,
      },
    ]);
  });

  it('is not stale at exactly expectedEvery, and is one millisecond later', () => {
    expect(staleSources({ odoo: every(15) }, { odoo: now - 15 * minute }, now)).toEqual([]);
    expect(
      staleSources({ odoo: every(15) }, { odoo: now - 15 * minute - 1 }, now).map((s) => s.source),
    ).toEqual(['odoo']);
  });

  it('never reports a source without an expectation, and accepts a Map', () => {
    const lastSeen = new Map([
      ['odoo', now - minute],
      ['legacy-ftp', now - 30 * 24 * 60 * minute],
    ]);
    expect(staleSources({ odoo: every(15) }, lastSeen, now)).toEqual([]);
    expect(staleSources({}, lastSeen, now)).toEqual([]);
  });

  it('treats a message from the future (clock skew) as just seen', () => {
    expect(staleSources({ odoo: every(15) }, { odoo: now + minute }, now)).toEqual([]);
  });

  it('does not read inherited properties as sightings', () => {
    expect(staleSources({ toString: every(15) }, {}, now).map((stale) => stale.lastSeenAt)).toEqual(
      [undefined],
    );
  });
});

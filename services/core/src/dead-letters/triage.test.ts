import { describe, expect, it } from 'vitest';
import { isPlumblineError } from '../errors';
import { isStateTransitionError } from './state-transition-error';
import {
  allTriageStates,
  reopenOnRecurrence,
  transitionTriage,
  untriaged,
  type Triage,
} from './triage';
import { t0, thrown } from './test-fixtures';

const note = 'contract v3 fixes the field';

describe('triage', () => {
  it('moves between any two different states', () => {
    for (const from of allTriageStates) {
      for (const to of allTriageStates.filter((state) => state !== from)) {
        const current: Triage = { state: from, note: '', changedBy: 'a', changedAt: t0 };
        expect(transitionTriage(current, { to, note, by: 'sam', at: t0 + 1 })).toEqual({
          state: to,
          note,
          changedBy: 'sam',
          changedAt: t0 + 1,
        });
      }
    }
  });

  it('acknowledges and reopens without a note', () => {
    const acknowledged = transitionTriage(untriaged, { to: 'acknowledged', by: 'sam', at: t0 });
    expect(acknowledged).toEqual({
      state: 'acknowledged',
      note: '',
      changedBy: 'sam',
      changedAt: t0,
    });
    expect(transitionTriage(acknowledged, { to: 'open', by: 'sam', at: t0 }).state).toBe('open');
  });

  it.each(['resolved', 'ignored'] as const)('needs a note to become %s', (to) => {
    const error = thrown(() => transitionTriage(untriaged, { to, by: 'sam', at: t0 }));
    expect(isPlumblineError(error) && error.code).toBe('bad_request');
    expect(isPlumblineError(error) && error.message).toMatch(/note/);
  });

  it('refuses a move to the same state as a conflict', () => {
    const error = thrown(() => transitionTriage(untriaged, { to: 'open', by: 'sam', at: t0 }));
    expect(isStateTransitionError(error) && error.details).toEqual({
      machine: 'triage',
      from: 'open',
      to: 'open',
    });
  });

  it('reopens a resolved problem only when it fails again after being resolved', () => {
    const resolved: Triage = { state: 'resolved', note, changedBy: 'sam', changedAt: t0 };
    expect(reopenOnRecurrence(resolved, t0)).toBe(resolved);
    expect(reopenOnRecurrence(resolved, t0 + 1)).toMatchObject({
      state: 'open',
      changedBy: 'system',
      changedAt: t0 + 1,
    });
    const ignored: Triage = { ...resolved, state: 'ignored' };
    expect(reopenOnRecurrence(ignored, t0 + 1)).toBe(ignored);
  });
});

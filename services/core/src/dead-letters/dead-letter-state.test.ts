import { describe, expect, it } from 'vitest';
import { isPlumblineError } from '../errors';
import { canTransitionDeadLetter, transitionDeadLetter } from './dead-letter-state';
import { allDeadLetterStates, type DeadLetterState } from './dead-letter';
import { isStateTransitionError } from './state-transition-error';
import { aDeadLetter, t0, thrown } from './test-fixtures';

const replay = {
  to: 'replayed',
  jobId: 'job-1',
  replayedAs: 'replay:job-1:1',
  by: 'sam',
  at: t0,
} as const;

describe('dead-letter state', () => {
  it('allows only open → replayed | resolved | expired', () => {
    const allowed = allDeadLetterStates.flatMap((from) =>
      allDeadLetterStates
        .filter((to) => canTransitionDeadLetter(from, to))
        .map((to) => `${from}→${to}`),
    );
    expect(allowed).toEqual(['open→replayed', 'open→resolved', 'open→expired']);
  });

  it('records the replay job and the message it was replayed as', () => {
    const after = transitionDeadLetter(aDeadLetter(), replay);
    expect(after).toMatchObject({
      state: 'replayed',
      replayJobId: 'job-1',
      replayedAs: 'replay:job-1:1',
      stateChangedBy: 'sam',
      stateChangedAt: t0,
    });
  });

  it('resolves without replay only with a reason', () => {
    const after = transitionDeadLetter(aDeadLetter(), {
      to: 'resolved',
      reason: '  duplicate of CO-0042 sent again by odoo  ',
      by: 'sam',
      at: t0,
    });
    expect(after).toMatchObject({
      state: 'resolved',
      stateReason: 'duplicate of CO-0042 sent again by odoo',
    });

    for (const reason of ['', 'dup', '         ']) {
      const error = thrown(() =>
        transitionDeadLetter(aDeadLetter(), { to: 'resolved', reason, by: 'sam', at: t0 }),
      );
      expect(isPlumblineError(error) && error.code).toBe('bad_request');
      expect(isPlumblineError(error) && error.details.problems).toEqual([
        { path: 'reason', message: expect.stringMatching(/at least 10 characters/) as unknown },
      ]);
    }
  });

  it('expires by system', () => {
    expect(transitionDeadLetter(aDeadLetter(), { to: 'expired', at: t0 })).toMatchObject({
      state: 'expired',
      stateChangedBy: 'system',
    });
  });

  it.each<DeadLetterState>(['replayed', 'resolved', 'expired'])(
    'refuses every move out of %s with a typed conflict',
    (state) => {
      const error = thrown(() => transitionDeadLetter(aDeadLetter({ seq: 9, state }), replay));
      expect(isStateTransitionError(error)).toBe(true);
      if (!isStateTransitionError(error)) return;
      expect(error.code).toBe('conflict');
      expect(error.status).toBe(409);
      expect(error.details).toEqual({ machine: 'dead_letter', from: state, to: 'replayed' });
      expect(error.message).toBe(`dead letter 9 is ${state}; it cannot become replayed`);
    },
  );
});

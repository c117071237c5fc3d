import { DeadLetterState, type DeadLetter } from './dead-letter';
import { requireReason } from './request-problems';
import { StateMachine, StateTransitionError } from './state-transition-error';

/** Allowed moves. Only an open dead letter changes; every other state is final. */
export const deadLetterTransitions: Readonly<Record<DeadLetterState, readonly DeadLetterState[]>> =
  {
    open: ['replayed', 'resolved', 'expired'],
    replayed: [],
    resolved: [],
    expired: [],
  };

export type DeadLetterChange =
  | {
      readonly to: 'replayed';
      readonly jobId: string;
      /** INGEST message id of the re-publication. */
      readonly replayedAs: string;
      readonly by: string;
      readonly at: number;
    }
  | {
      readonly to: 'resolved';
      /** Required: why it needs no replay (fixed at the source, duplicate, test data, …). */
      readonly reason: string;
      readonly by: string;
      readonly at: number;
    }
  | { readonly to: 'expired'; readonly at: number };

export function canTransitionDeadLetter(from: DeadLetterState, to: DeadLetterState): boolean {
  return deadLetterTransitions[from].includes(to);
}

/**
 * The dead letter after `change`. Throws `StateTransitionError` (conflict) for a forbidden move
 * and `bad_request` for a resolve without a reason.
 */
export function transitionDeadLetter(deadLetter: DeadLetter, change: DeadLetterChange): DeadLetter {
  if (!canTransitionDeadLetter(deadLetter.state, change.to)) {
    throw new StateTransitionError(
      StateMachine.DeadLetter,
      deadLetter.state,
      change.to,
      `dead letter ${deadLetter.seq} is ${deadLetter.state}; it cannot become ${change.to}`,
    );
  }
  switch (change.to) {
    case DeadLetterState.Replayed:
      return {
        ...deadLetter,
        state: change.to,
        stateReason: '',
        stateChangedAt: change.at,
        stateChangedBy: change.by,
        replayJobId: change.jobId,
        replayedAs: change.replayedAs,
      };
    case DeadLetterState.Resolved:
      requireReason(`dead letter ${deadLetter.seq} cannot be resolved`, change.reason);
      return {
        ...deadLetter,
        state: change.to,
        stateReason: change.reason.trim(),
        stateChangedAt: change.at,
        stateChangedBy: change.by,
      };
    case DeadLetterState.Expired:
      return {
        ...deadLetter,
        state: change.to,
        stateReason: '',
        stateChangedAt: change.at,
        stateChangedBy: 'system',
      };
  }
}

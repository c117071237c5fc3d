import { requireReason } from './request-problems';
import { StateMachine, StateTransitionError } from './state-transition-error';

/**
 * Support's view of a problem (a group of dead letters with one cause).
 * - `open`: nobody has looked yet (the default for a new problem).
 * - `acknowledged`: someone owns it.
 * - `resolved`: the cause is fixed. If the cause recurs afterwards, the problem reopens.
 * - `ignored`: known and accepted (test traffic, a retired sender); stays ignored on recurrence.
 */
export const TriageState = {
  Open: 'open',
  Acknowledged: 'acknowledged',
  Resolved: 'resolved',
  Ignored: 'ignored',
} as const;
export type TriageState = (typeof TriageState)[keyof typeof TriageState];

export const allTriageStates: readonly TriageState[] = Object.values(TriageState);

export interface Triage {
  readonly state: TriageState;
  readonly note: string;
  /** `''` while never triaged; `system` for an automatic reopen. */
  readonly changedBy: string;
  /** Milliseconds since the epoch; 0 while never triaged. */
  readonly changedAt: number;
}

export const untriaged: Triage = { state: 'open', note: '', changedBy: '', changedAt: 0 };

export interface TriageChange {
  readonly to: TriageState;
  /** Required (a reason) for `resolved` and `ignored`: both hide the problem from the open list. */
  readonly note?: string;
  readonly by: string;
  readonly at: number;
}

/** States that need a note: they take the problem off support's open list. */
export const triageNoteRequired: readonly TriageState[] = ['resolved', 'ignored'];

/**
 * Any state may move to any other (support needs to undo a mistake), but not to itself: a
 * repeated request is a conflict rather than a silent second audit entry. Throws
 * `StateTransitionError` for that and `bad_request` for a missing note.
 */
export function transitionTriage(current: Triage, change: TriageChange): Triage {
  if (current.state === change.to) {
    throw new StateTransitionError(
      StateMachine.Triage,
      current.state,
      change.to,
      `the problem is already ${current.state}`,
    );
  }
  if (triageNoteRequired.includes(change.to)) {
    requireReason(`a problem cannot become ${change.to}`, change.note, undefined, 'note');
  }
  return {
    state: change.to,
    note: change.note?.trim() ?? '',
    changedBy: change.by,
    changedAt: change.at,
  };
}

/**
 * A resolved problem whose cause occurs again after it was resolved is open again (by `system`);
 * acknowledged and ignored problems stay as they are.
 */
export function reopenOnRecurrence(triage: Triage, lastSeen: number): Triage {
  if (triage.state !== 'resolved' || lastSeen <= triage.changedAt) return triage;
  return {
    state: 'open',
    note: `failed again at ${new Date(lastSeen).toISOString()} after being resolved`,
    changedBy: 'system',
    changedAt: lastSeen,
  };
}

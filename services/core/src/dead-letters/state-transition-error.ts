import { ErrorCode, PlumblineError } from '../errors';

/** The state machines of dead letters and replays. */
export const StateMachine = {
  DeadLetter: 'dead_letter',
  Triage: 'triage',
  ReplayJob: 'replay_job',
} as const;
export type StateMachine = (typeof StateMachine)[keyof typeof StateMachine];

const label: Record<StateMachine, string> = {
  dead_letter: 'dead letter',
  triage: 'problem',
  replay_job: 'replay job',
};

/**
 * A move a state machine forbids. Code `conflict` (HTTP 409): the request was well formed but
 * the target is in the wrong state. `details` carry `machine`, `from` and `to` for callers.
 */
export class StateTransitionError extends PlumblineError {
  readonly machine: StateMachine;
  readonly from: string;
  readonly to: string;

  constructor(machine: StateMachine, from: string, to: string, message?: string) {
    super(
      ErrorCode.Conflict,
      message ?? `a ${label[machine]} that is ${from} cannot become ${to}`,
      {
        details: { machine, from, to },
      },
    );
    this.machine = machine;
    this.from = from;
    this.to = to;
  }
}

export function isStateTransitionError(value: unknown): value is StateTransitionError {
  return value instanceof StateTransitionError;
}

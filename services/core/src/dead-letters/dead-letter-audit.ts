import { auditedBy, type Actor, type AuditEntry } from '../identity/actor';
import type { DeadLetter } from './dead-letter';
import type { ReplayJob } from './replay-job';
import { badRequest, requireReason, ticketProblem } from './request-problems';
import type { Triage } from './triage';

// The audit table has no ticket column: a ticket reference travels in `after.ticket`.

export const DeadLetterAction = {
  Replay: 'deadletter.replay',
  Patch: 'deadletter.patch',
  Resolve: 'deadletter.resolve',
  Cancel: 'replay.cancel',
  Triage: 'problem.triage',
} as const;
export type DeadLetterAction = (typeof DeadLetterAction)[keyof typeof DeadLetterAction];

export const deadLetterTarget = (seq: number) => `deadletter:${seq}`;
export const replayJobTarget = (jobId: string) => `replay-job:${jobId}`;
export const problemTarget = (key: string) => `problem:${key}`;

function entry(
  actor: Actor,
  action: DeadLetterAction,
  target: string,
  fields: Pick<AuditEntry, 'before' | 'after' | 'reason'>,
): AuditEntry {
  return {
    ...auditedBy(actor),
    action,
    target,
    ...(fields.before === undefined ? {} : { before: fields.before }),
    ...(fields.after === undefined ? {} : { after: fields.after }),
    ...(fields.reason === undefined || fields.reason === '' ? {} : { reason: fields.reason }),
  };
}

const withTicket = (ticket: string | undefined) => (ticket === undefined ? {} : { ticket });

/** A replay job was asked for (the patch, if any, is audited on its own by `auditPatch`). */
export function auditReplay(actor: Actor, job: ReplayJob): AuditEntry {
  requireReason('a replay must say why', job.reason, job.ticket);
  return entry(actor, DeadLetterAction.Replay, replayJobTarget(job.id), {
    after: {
      state: job.state,
      kind: job.kind,
      select: job.select,
      maxRatePerSecond: job.maxRatePerSecond,
      patchOperations: job.patch?.length ?? 0,
      ...withTicket(job.ticket),
    },
    reason: job.reason,
  });
}

/**
 * The edit a replay job applies, operation by operation; undefined when it has none. The
 * before/after of each envelope (`PatchDiff` from `buildReplayEnvelope`) is kept per dead letter
 * by the runner, next to the replay it produced.
 */
export function auditPatch(actor: Actor, job: ReplayJob): AuditEntry | undefined {
  if (job.patch === undefined) return undefined;
  return entry(actor, DeadLetterAction.Patch, replayJobTarget(job.id), {
    after: { ops: job.patch, ...withTicket(job.ticket) },
    reason: job.reason,
  });
}

/** A dead letter closed without replay (`before` open, `after` resolved). */
export function auditResolve(
  actor: Actor,
  before: DeadLetter,
  after: DeadLetter,
  ticket?: string,
): AuditEntry {
  requireReason(`dead letter ${after.seq} cannot be resolved`, after.stateReason, ticket);
  return entry(actor, DeadLetterAction.Resolve, deadLetterTarget(after.seq), {
    before: { state: before.state },
    after: { state: after.state, ...withTicket(ticket) },
    reason: after.stateReason,
  });
}

/** A replay job cancelled (`after` as `applyJobEvent` returned it for the `cancelled` event). */
export function auditCancel(
  actor: Actor,
  before: ReplayJob,
  after: ReplayJob,
  ticket?: string,
): AuditEntry {
  requireReason(`replay job ${after.id} cannot be cancelled`, after.stateReason, ticket);
  return entry(actor, DeadLetterAction.Cancel, replayJobTarget(after.id), {
    before: { state: before.state, progress: before.progress },
    after: { state: after.state, progress: after.progress, ...withTicket(ticket) },
    reason: after.stateReason,
  });
}

/** A problem's triage state set by support; the note, when given, is the reason. */
export function auditTriage(
  actor: Actor,
  problemKey: string,
  before: Triage,
  after: Triage,
  ticket?: string,
): AuditEntry {
  const problem = ticketProblem(ticket, 'ticket');
  if (problem !== undefined) throw badRequest('invalid triage', [problem]);
  return entry(actor, DeadLetterAction.Triage, problemTarget(problemKey), {
    before: { state: before.state },
    after: { state: after.state, ...withTicket(ticket) },
    reason: after.note,
  });
}

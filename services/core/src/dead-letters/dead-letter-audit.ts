import type { DeadLetter } from './dead-letter';
import type { ReplayJob } from './replay-job';
import { badRequest, requireReason, ticketProblem } from './request-problems';
import type { Triage } from './triage';

/** Who acts; the same fields as the registry's actor. */
export interface AuditActor {
  readonly id: string;
  readonly role: string;
  readonly requestId?: string;
}

/**
 * One audit entry, field for field the platform's `AuditEntry` (core does not import platform).
 * "When" is stamped by the audit log as it records the entry. The audit table has no ticket
 * column: a ticket reference travels in `after.ticket`.
 */
export interface ActionAuditEntry {
  readonly actor: string;
  readonly role: string;
  readonly action: string;
  readonly target: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly reason?: string;
  readonly requestId?: string;
}

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
  actor: AuditActor,
  action: DeadLetterAction,
  target: string,
  fields: Pick<ActionAuditEntry, 'before' | 'after' | 'reason'>,
): ActionAuditEntry {
  return {
    actor: actor.id,
    role: actor.role,
    action,
    target,
    ...(fields.before === undefined ? {} : { before: fields.before }),
    ...(fields.after === undefined ? {} : { after: fields.after }),
    ...(fields.reason === undefined || fields.reason === '' ? {} : { reason: fields.reason }),
    ...(actor.requestId === undefined ? {} : { requestId: actor.requestId }),
  };
}

const withTicket = (ticket: string | undefined) => (ticket === undefined ? {} : { ticket });

/** A replay job was asked for (the patch, if any, is audited on its own by `auditPatch`). */
export function auditReplay(actor: AuditActor, job: ReplayJob): ActionAuditEntry {
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
export function auditPatch(actor: AuditActor, job: ReplayJob): ActionAuditEntry | undefined {
  if (job.patch === undefined) return undefined;
  return entry(actor, DeadLetterAction.Patch, replayJobTarget(job.id), {
    after: { ops: job.patch, ...withTicket(job.ticket) },
    reason: job.reason,
  });
}

/** A dead letter closed without replay (`before` open, `after` resolved). */
export function auditResolve(
  actor: AuditActor,
  before: DeadLetter,
  after: DeadLetter,
  ticket?: string,
): ActionAuditEntry {
  requireReason(`dead letter ${after.seq} cannot be resolved`, after.stateReason, ticket);
  return entry(actor, DeadLetterAction.Resolve, deadLetterTarget(after.seq), {
    before: { state: before.state },
    after: { state: after.state, ...withTicket(ticket) },
    reason: after.stateReason,
  });
}

/** A replay job cancelled (`after` as `applyJobEvent` returned it for the `cancelled` event). */
export function auditCancel(
  actor: AuditActor,
  before: ReplayJob,
  after: ReplayJob,
  ticket?: string,
): ActionAuditEntry {
  requireReason(`replay job ${after.id} cannot be cancelled`, after.stateReason, ticket);
  return entry(actor, DeadLetterAction.Cancel, replayJobTarget(after.id), {
    before: { state: before.state, progress: before.progress },
    after: { state: after.state, progress: after.progress, ...withTicket(ticket) },
    reason: after.stateReason,
  });
}

/** A problem's triage state set by support; the note, when given, is the reason. */
export function auditTriage(
  actor: AuditActor,
  problemKey: string,
  before: Triage,
  after: Triage,
  ticket?: string,
): ActionAuditEntry {
  const problem = ticketProblem(ticket, 'ticket');
  if (problem !== undefined) throw badRequest('invalid triage', [problem]);
  return entry(actor, DeadLetterAction.Triage, problemTarget(problemKey), {
    before: { state: before.state },
    after: { state: after.state, ...withTicket(ticket) },
    reason: after.note,
  });
}

import { ErrorCode, PlumblineError } from '../errors';
import type { PatchOperation } from './json-patch';
import type { SkipWhy } from './replay-eligibility';
import type { ReplayRequest, ReplaySelection } from './replay-request';
import { requireReason } from './request-problems';
import { StateMachine, StateTransitionError } from './state-transition-error';

/**
 * A replay job's life: queued → running → done | failed | cancelled, or queued → cancelled.
 * `done` means the whole selection was worked through (items may still have failed one by one);
 * `failed` means the job itself could not go on.
 */
export const ReplayJobState = {
  Queued: 'queued',
  Running: 'running',
  Done: 'done',
  Failed: 'failed',
  Cancelled: 'cancelled',
} as const;
export type ReplayJobState = (typeof ReplayJobState)[keyof typeof ReplayJobState];

export const allReplayJobStates: readonly ReplayJobState[] = Object.values(ReplayJobState);

export const replayJobTransitions: Readonly<Record<ReplayJobState, readonly ReplayJobState[]>> = {
  queued: ['running', 'cancelled'],
  running: ['done', 'failed', 'cancelled'],
  done: [],
  failed: [],
  cancelled: [],
};

/** `manual`: asked for by a person. `automatic`: the retry policy for a transient cause. */
export type ReplayJobKind = 'manual' | 'automatic';

export interface ReplayProgress {
  /** Dead letters selected when the job started. */
  readonly total: number;
  /** Re-published. */
  readonly replayed: number;
  /** Of those, accepted by governance on replay, as far as lineage has told the job yet. */
  readonly accepted: number;
  /** Already replayed, resolved or expired: not published again (idempotency). */
  readonly skipped: number;
  /** Could not be re-published (patch did not apply, not JSON, publish refused). */
  readonly failed: number;
  /** Highest dead-letter sequence handled: items are worked in sequence order, so a resumed job starts after it. */
  readonly cursor: number;
}

export interface ReplayJob {
  /** Letters, digits, `_` and `-`: it is part of message ids and the `replayjob` extension. */
  readonly id: string;
  readonly kind: ReplayJobKind;
  readonly state: ReplayJobState;
  readonly select: ReplaySelection;
  readonly patch?: readonly PatchOperation[];
  readonly maxRatePerSecond: number;
  readonly reason: string;
  readonly ticket?: string;
  readonly requestedBy: string;
  /**
   * The tenants whose dead letters the selection may touch (`['*']` for every tenant), fixed
   * when the job is made: a caller limited to some tenants sees and cancels only jobs within them.
   */
  readonly tenants: readonly string[];
  readonly createdAt: number;
  /** 0 until it happens. */
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly cancelledBy: string;
  /** Why the job failed or was cancelled; `''` otherwise. */
  readonly stateReason: string;
  readonly progress: ReplayProgress;
}

export type ReplayJobEvent =
  | { readonly type: 'started'; readonly at: number; readonly total: number }
  | { readonly type: 'item_replayed'; readonly seq: number }
  | { readonly type: 'item_skipped'; readonly seq: number; readonly why: SkipWhy }
  | { readonly type: 'item_failed'; readonly seq: number; readonly error: string }
  /** Lineage reports a replayed item accepted; may arrive after the job finished. */
  | { readonly type: 'item_accepted'; readonly seq: number }
  | { readonly type: 'completed'; readonly at: number }
  | { readonly type: 'failed'; readonly at: number; readonly error: string }
  | {
      readonly type: 'cancelled';
      readonly at: number;
      readonly by: string;
      readonly reason: string;
    };

const jobIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
/** The job id dry-run envelopes carry (so they are the size of the real replay's); never a real job's. */
export const dryRunJobId = 'dry-run';

export function isReplayJobId(id: string): boolean {
  return jobIdPattern.test(id);
}

export interface NewReplayJob {
  readonly id: string;
  readonly request: ReplayRequest;
  readonly requestedBy: string;
  /** The tenants of the selection (see `ReplayJob.tenants`). */
  readonly tenants: readonly string[];
  readonly at: number;
  readonly kind?: ReplayJobKind;
}

/** A queued job for a (non dry-run) replay request. A dry run is a report, never a job. */
export function createReplayJob({
  id,
  request,
  requestedBy,
  tenants,
  at,
  kind = 'manual',
}: NewReplayJob): ReplayJob {
  if (!isReplayJobId(id) || id === dryRunJobId) {
    throw new PlumblineError(
      ErrorCode.Internal,
      `replay job id '${id}' is not [A-Za-z0-9_-]{1,64} or is reserved`,
    );
  }
  if (request.dryRun) {
    throw new PlumblineError(
      ErrorCode.BadRequest,
      'a dry run is reported, not queued: send dryRun: false to replay',
    );
  }
  return {
    id,
    kind,
    state: 'queued',
    select: request.select,
    ...(request.patch === undefined ? {} : { patch: request.patch }),
    maxRatePerSecond: request.maxRatePerSecond,
    reason: request.reason,
    ...(request.ticket === undefined ? {} : { ticket: request.ticket }),
    requestedBy,
    tenants: [...new Set(tenants)].sort(),
    createdAt: at,
    startedAt: 0,
    finishedAt: 0,
    cancelledBy: '',
    stateReason: '',
    progress: { total: 0, replayed: 0, accepted: 0, skipped: 0, failed: 0, cursor: 0 },
  };
}

export function canTransitionReplayJob(from: ReplayJobState, to: ReplayJobState): boolean {
  return replayJobTransitions[from].includes(to);
}

/** States in which the outcome of an item may still be reported. */
const itemStates: readonly ReplayJobState[] = ['running', 'cancelled'];
const acceptedStates: readonly ReplayJobState[] = ['running', 'done', 'cancelled'];

/**
 * The job after one event. Pure: the runner persists the result. Throws `StateTransitionError`
 * (conflict) for a forbidden move, e.g. cancelling a finished job or reporting an item before it
 * started; `bad_request` for a cancel without a reason; `internal` when the runner reports more
 * items than it selected (a bug).
 *
 * Item events are accepted after a cancel (the item in flight when the cancel arrived still
 * counts); `item_accepted` also after `done` (lineage arrives later) and never raises `accepted`
 * above `replayed`, so a duplicate report cannot over-count.
 */
export function applyJobEvent(job: ReplayJob, event: ReplayJobEvent): ReplayJob {
  const move = (to: ReplayJobState) => {
    if (!canTransitionReplayJob(job.state, to)) {
      throw new StateTransitionError(
        StateMachine.ReplayJob,
        job.state,
        to,
        `replay job ${job.id} is ${job.state}; it cannot become ${to}`,
      );
    }
  };
  const item = (
    to: keyof Pick<ReplayProgress, 'replayed' | 'skipped' | 'failed'>,
    { type, seq }: { readonly type: string; readonly seq: number },
  ) => {
    if (!itemStates.includes(job.state)) {
      throw new StateTransitionError(
        StateMachine.ReplayJob,
        job.state,
        type,
        `replay job ${job.id} is ${job.state}; it cannot report items`,
      );
    }
    const { progress } = job;
    if (progress.replayed + progress.skipped + progress.failed >= progress.total) {
      throw new PlumblineError(
        ErrorCode.Internal,
        `replay job ${job.id} reported more items than the ${progress.total} it selected`,
      );
    }
    return {
      ...job,
      progress: { ...progress, [to]: progress[to] + 1, cursor: Math.max(progress.cursor, seq) },
    };
  };

  switch (event.type) {
    case 'started':
      move('running');
      if (!Number.isSafeInteger(event.total) || event.total < 0) {
        throw new PlumblineError(ErrorCode.Internal, `a job cannot select ${event.total} items`);
      }
      return {
        ...job,
        state: 'running',
        startedAt: event.at,
        progress: { ...job.progress, total: event.total },
      };
    case 'item_replayed':
      return item('replayed', event);
    case 'item_skipped':
      return item('skipped', event);
    case 'item_failed':
      return item('failed', event);
    case 'item_accepted': {
      if (!acceptedStates.includes(job.state)) {
        throw new StateTransitionError(
          StateMachine.ReplayJob,
          job.state,
          event.type,
          `replay job ${job.id} is ${job.state}; nothing of it can have been accepted`,
        );
      }
      const { progress } = job;
      return {
        ...job,
        progress: { ...progress, accepted: Math.min(progress.accepted + 1, progress.replayed) },
      };
    }
    case 'completed':
      move('done');
      return { ...job, state: 'done', finishedAt: event.at };
    case 'failed':
      move('failed');
      return { ...job, state: 'failed', finishedAt: event.at, stateReason: event.error };
    case 'cancelled':
      move('cancelled');
      requireReason(`replay job ${job.id} cannot be cancelled`, event.reason);
      return {
        ...job,
        state: 'cancelled',
        finishedAt: event.at,
        cancelledBy: event.by,
        stateReason: event.reason.trim(),
      };
  }
}

/** Items the job has worked through so far. */
export function processedItems(progress: ReplayProgress): number {
  return progress.replayed + progress.skipped + progress.failed;
}

/** Minimum milliseconds between two re-publications of one job. */
export function replayIntervalMs(maxRatePerSecond: number): number {
  return 1_000 / maxRatePerSecond;
}

/**
 * When the next re-publication may go: at once for the first, else no sooner than one interval
 * after the previous one. The runner sleeps until then (the pacing is per job).
 */
export function nextPublishAt(
  previousAt: number | undefined,
  now: number,
  maxRatePerSecond: number,
): number {
  if (previousAt === undefined) return now;
  return Math.max(now, previousAt + replayIntervalMs(maxRatePerSecond));
}

/**
 * Whether a caller who sees `callerTenants` may see (and cancel) the job: all of its tenants are
 * theirs. A job over any tenant is for callers who see every tenant.
 */
export function maySeeReplayJob(callerTenants: readonly string[], job: ReplayJob): boolean {
  if (callerTenants.includes('*')) return true;
  return (
    !job.tenants.includes('*') && job.tenants.every((tenant) => callerTenants.includes(tenant))
  );
}

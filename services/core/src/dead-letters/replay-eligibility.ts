import type { DeadLetter } from './dead-letter';

export const SkipWhy = {
  AlreadyReplayed: 'already_replayed',
  Resolved: 'resolved',
  Expired: 'expired',
} as const;
export type SkipWhy = (typeof SkipWhy)[keyof typeof SkipWhy];

export type ReplayEligibility =
  /** Open: claim it (open → replayed) and publish. */
  | { readonly action: 'replay' }
  /**
   * Already claimed by this same job (the job is resuming after a crash between claim and
   * publish): publish again; the deterministic message id lets JetStream drop a duplicate.
   */
  | { readonly action: 'republish' }
  | { readonly action: 'skip'; readonly why: SkipWhy };

/**
 * What a replay job does with one selected dead letter. This is where idempotency across jobs
 * comes from: a dead letter another job already replayed is skipped, so replaying the same
 * selection twice never publishes (and so never accepts) it twice. The runner must claim the
 * dead letter (open → replayed) with a compare-and-set on its stored state *before* publishing,
 * so two concurrent jobs cannot both see it open.
 */
export function replayEligibility(deadLetter: DeadLetter, jobId: string): ReplayEligibility {
  switch (deadLetter.state) {
    case 'open':
      return { action: 'replay' };
    case 'replayed':
      return deadLetter.replayJobId === jobId
        ? { action: 'republish' }
        : { action: 'skip', why: SkipWhy.AlreadyReplayed };
    case 'resolved':
      return { action: 'skip', why: SkipWhy.Resolved };
    case 'expired':
      return { action: 'skip', why: SkipWhy.Expired };
  }
}

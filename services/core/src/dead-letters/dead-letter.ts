import { envelopeKey } from '../envelope/envelope';
import type { Rejected } from '../governance/decision';
import type { Reason } from '../governance/outcome';
import type { ValidationError } from '../validation-error';

/**
 * What became of a dead letter.
 * - `open`: waiting (for a person, or for an automatic retry of a transient cause).
 * - `replayed`: re-published by a replay job. Final: if the replay is dead-lettered again, that
 *   is a new dead letter (with `replayOf` pointing here), and this one stays `replayed`.
 * - `resolved`: closed without replay, with a required reason (fixed at the source, duplicate, …).
 * - `expired`: the DEADLETTER stream dropped the bytes (retention) before anyone acted.
 */
export const DeadLetterState = {
  Open: 'open',
  Replayed: 'replayed',
  Resolved: 'resolved',
  Expired: 'expired',
} as const;
export type DeadLetterState = (typeof DeadLetterState)[keyof typeof DeadLetterState];

export const allDeadLetterStates: readonly DeadLetterState[] = Object.values(DeadLetterState);

/**
 * What the dead-letter index holds for one dead letter. The payload itself stays in the
 * DEADLETTER stream (at `seq`); this is everything needed to filter, group and replay it.
 * Strings are `''` and numbers `0` when unknown, as in the lineage row, so a row maps 1:1.
 * Times are milliseconds since the epoch.
 */
export interface DeadLetter {
  /** DEADLETTER stream sequence: the identity of this dead letter. */
  readonly seq: number;
  /** `source:id`, or `stream:<ingestSeq>` when the envelope could not be parsed (as in lineage). */
  readonly envelopeKey: string;
  readonly envelopeId: string;
  /** Where the original was published (`ingest.<source>.<type>`); a replay goes back there. */
  readonly ingestSubject: string;
  readonly ingestSeq: number;
  readonly source: string;
  readonly type: string;
  /** 0 when no contract was resolved. */
  readonly contractVersion: number;
  readonly reason: Reason;
  /** One sentence saying what was wrong. */
  readonly detail: string;
  readonly errors: readonly ValidationError[];
  readonly businessKey: string;
  readonly correlationId: string;
  readonly tenant: string;
  readonly region: string;
  /** INGEST stream time of the original. */
  readonly receivedAt: number;
  readonly deadLetteredAt: number;
  readonly sizeBytes: number;

  readonly state: DeadLetterState;
  /** Why it was resolved without replay; `''` otherwise. */
  readonly stateReason: string;
  readonly stateChangedAt: number;
  /** Who changed the state (`system` for expiry and automatic retries). */
  readonly stateChangedBy: string;
  /** The replay job that re-published this dead letter. */
  readonly replayJobId: string;
  /** The INGEST message id of that re-publication (see `replayMessageId`). */
  readonly replayedAs: string;

  /** When this dead letter is itself a failed replay: the `replayof` reference it carried. */
  readonly replayOf: string;
  /** … and the job that produced it. */
  readonly fromReplayJob: string;
  /** Automatic retries that preceded this dead letter (0 for a first failure). */
  readonly autoRetryAttempt: number;
}

/** Where and when the worker dead-lettered a rejected message. */
export interface DeadLetterContext {
  readonly seq: number;
  readonly ingestSubject: string;
  readonly ingestSeq: number;
  readonly receivedAt: number;
  readonly deadLetteredAt: number;
  readonly sizeBytes: number;
  /** Read from the payload with the contract's annotations when the indexer can; else `''`. */
  readonly businessKey?: string;
  readonly autoRetryAttempt?: number;
}

const maxDetail = 2_000;
const maxErrors = 50;

/** The index entry for a rejected decision: a new, open dead letter. */
export function toDeadLetter(decision: Rejected, context: DeadLetterContext): DeadLetter {
  const envelope = decision.envelope;
  const str = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    seq: context.seq,
    envelopeKey: envelope === undefined ? `stream:${context.ingestSeq}` : envelopeKey(envelope),
    envelopeId: envelope?.id ?? '',
    ingestSubject: context.ingestSubject,
    ingestSeq: context.ingestSeq,
    source: decision.source,
    type: decision.type,
    contractVersion: decision.contract?.version ?? 0,
    reason: decision.reason,
    detail: decision.detail.slice(0, maxDetail),
    errors: decision.errors.slice(0, maxErrors),
    businessKey: context.businessKey ?? '',
    correlationId: str(envelope?.correlationid),
    tenant: str(envelope?.tenant),
    region: str(envelope?.region),
    receivedAt: context.receivedAt,
    deadLetteredAt: context.deadLetteredAt,
    sizeBytes: context.sizeBytes,
    state: DeadLetterState.Open,
    stateReason: '',
    stateChangedAt: context.deadLetteredAt,
    stateChangedBy: 'system',
    replayJobId: '',
    replayedAs: '',
    replayOf: str(envelope?.replayof),
    fromReplayJob: str(envelope?.replayjob),
    autoRetryAttempt: context.autoRetryAttempt ?? 0,
  };
}

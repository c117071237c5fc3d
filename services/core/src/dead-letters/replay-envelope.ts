import { parseIngestSubject } from '../envelope/ingest-subject';
import { ErrorCode, PlumblineError } from '../errors';
import type { DeadLetter } from './dead-letter';
import {
  decodeEnvelope,
  encodeEnvelope,
  patchEnvelope,
  type PatchDiff,
  type PatchFailure,
  type PatchFailureCode,
  type PatchOperation,
} from './json-patch';
import { isReplayJobId } from './replay-job';

/**
 * The `replayof` extension of a replayed envelope: the DEADLETTER stream sequence it came from
 * (`dlq:<seq>`). The sequence, not the envelope key: one envelope can be dead-lettered more than
 * once (its replay can fail again), and each dead letter is replayed on its own. Lineage copies
 * it into `replay_of`.
 */
export function replayOfReference(deadLetterSeq: number): string {
  return `dlq:${deadLetterSeq}`;
}

/** `dlq:<seq>` → seq; undefined for anything else. */
export function parseReplayOf(reference: string): number | undefined {
  const match = /^dlq:([1-9][0-9]{0,15})$/.exec(reference);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * The `Nats-Msg-Id` of a re-publication: deterministic per job and dead letter, so a runner that
 * retries a publish, or resumes after a crash, is deduplicated by JetStream (INGEST's window).
 * It does not make two *jobs* idempotent (their ids differ, and the window is minutes): that
 * comes from the dead letter's state, see `replayEligibility`.
 */
export function replayMessageId(jobId: string, deadLetterSeq: number): string {
  return `replay:${jobId}:${deadLetterSeq}`;
}

export interface ReplayEnvelope {
  readonly ok: true;
  /** The original INGEST subject: the replay is governed exactly like a new message from there. */
  readonly subject: string;
  readonly body: Uint8Array;
  readonly msgId: string;
  /** `source:id` of the re-published envelope; `''` when it still lacks one of them. */
  readonly envelopeKey: string;
  /** Present when a patch was applied. */
  readonly diff?: PatchDiff;
}

export interface ReplayBuildFailure extends Omit<PatchFailure, 'code'> {
  readonly code: PatchFailureCode | 'bad_subject';
}

export interface ReplayEnvelopeInput {
  readonly deadLetter: Pick<DeadLetter, 'seq' | 'ingestSubject'>;
  /** The original bytes, as kept in the DEADLETTER stream. */
  readonly body: Uint8Array;
  readonly jobId: string;
  readonly patch?: readonly PatchOperation[];
}

/**
 * The message to re-publish for one dead letter: the original envelope, patched if asked, with
 * `replayof` and `replayjob` set (overwriting those of an earlier replay), on the original
 * INGEST subject. Going back to the original subject keeps the check that the envelope's source
 * matches the subject it was published on: a replay cannot launder a spoofed source.
 *
 * The id and source are never changed (the patch cannot), so downstream consumers that
 * deduplicate by `source:id`, and lineage keyed by it, see the same event. Bytes that are not a
 * JSON object cannot carry the extensions and are refused (`not_json`, `not_an_object`): the fix
 * for them is at the producer.
 */
export function buildReplayEnvelope(
  input: ReplayEnvelopeInput,
): ReplayEnvelope | ReplayBuildFailure {
  const { deadLetter, jobId } = input;
  if (!isReplayJobId(jobId)) {
    throw new PlumblineError(
      ErrorCode.Internal,
      `replay job id '${jobId}' is not [A-Za-z0-9_-]{1,64}`,
    );
  }
  if (parseIngestSubject(deadLetter.ingestSubject) === undefined) {
    return {
      ok: false,
      code: 'bad_subject',
      message: `dead letter ${deadLetter.seq} came from '${deadLetter.ingestSubject}', not an ingest.<source>.<type> subject`,
    };
  }
  const decoded = decodeEnvelope(input.body);
  if (!decoded.ok) return decoded;
  let document = decoded.document;
  let diff: PatchDiff | undefined;
  if (input.patch !== undefined && input.patch.length > 0) {
    const patched = patchEnvelope(document, input.patch);
    if (!patched.ok) return patched;
    document = patched.document;
    diff = patched.diff;
  }
  const replay: Record<string, unknown> = {
    ...document,
    replayof: replayOfReference(deadLetter.seq),
    replayjob: jobId,
  };
  const { source, id } = replay;
  return {
    ok: true,
    subject: deadLetter.ingestSubject,
    body: encodeEnvelope(replay),
    msgId: replayMessageId(jobId, deadLetter.seq),
    envelopeKey: typeof source === 'string' && typeof id === 'string' ? `${source}:${id}` : '',
    ...(diff === undefined ? {} : { diff }),
  };
}

import type { Decision, IngestMessage } from '../governance/decision';
import type { Reason } from '../governance/outcome';
import type { DeadLetter } from './dead-letter';
import type { PatchOperation } from './json-patch';
import { normalisePointer } from './problem';
import { buildReplayEnvelope } from './replay-envelope';
import { replayEligibility, type SkipWhy } from './replay-eligibility';
import { dryRunJobId } from './replay-job';

/** One dead letter and its original bytes from the DEADLETTER stream. */
export interface DryRunItem {
  readonly deadLetter: DeadLetter;
  readonly body: Uint8Array;
}

/**
 * Why a replay would not pass: the governance reason it would be rejected with, or
 * `patch_failed` (the patch does not apply to it) or `not_replayable` (not a JSON object, or no
 * ingest subject to go back to).
 */
export type DryRunCause = Reason | 'patch_failed' | 'not_replayable';

export interface DryRunSample {
  readonly seq: number;
  readonly envelopeKey: string;
  readonly message: string;
}

export interface DryRunFailureGroup {
  /** `<cause>|<type>|<pointer>`, like a problem key. */
  readonly key: string;
  readonly cause: DryRunCause;
  readonly type: string;
  /** First error pointer with indices as `*`; for `patch_failed`, the failing operation's path. */
  readonly pointer: string;
  readonly count: number;
  readonly samples: readonly DryRunSample[];
}

export interface DryRunReport {
  /** Dead letters looked at. */
  readonly total: number;
  /** Would be skipped by a real replay (already replayed, resolved, expired). */
  readonly skipped: number;
  readonly skippedByWhy: Readonly<Record<SkipWhy, number>>;
  readonly wouldPass: number;
  /** Of those, accepted on a deprecated contract version. */
  readonly wouldPassDeprecated: number;
  /** Over a rate limit now: delayed, then decided again. */
  readonly wouldBeDelayed: number;
  readonly wouldFail: number;
  /** Most frequent first. */
  readonly failures: readonly DryRunFailureGroup[];
}

export interface DryRunOptions {
  /**
   * The governance decision, as `createGovernanceEngine` returns it, over the *current*
   * contracts and policies. Give it a policy gate whose rate check always allows: a dry run must
   * not spend the live rate limits, and a rate limit is not a reason a replay cannot pass.
   */
  readonly decide: (message: IngestMessage) => Decision;
  readonly patch?: readonly PatchOperation[];
  /** Samples kept per failure group (default 3). */
  readonly sampleLimit?: number;
}

/**
 * What replaying these dead letters now would do, without publishing anything: each envelope is
 * built exactly as the replay would build it (patch, extensions) and decided by `decide`.
 */
export function dryRunReplay(items: Iterable<DryRunItem>, options: DryRunOptions): DryRunReport {
  const sampleLimit = options.sampleLimit ?? 3;
  const skippedByWhy: Record<SkipWhy, number> = { already_replayed: 0, resolved: 0, expired: 0 };
  const groups = new Map<
    string,
    { cause: DryRunCause; type: string; pointer: string; count: number; samples: DryRunSample[] }
  >();
  let total = 0;
  let wouldPass = 0;
  let wouldPassDeprecated = 0;
  let wouldBeDelayed = 0;
  let wouldFail = 0;

  const fail = (
    deadLetter: DeadLetter,
    cause: DryRunCause,
    type: string,
    pointer: string,
    message: string,
  ) => {
    wouldFail += 1;
    const key = `${cause}|${type}|${pointer}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { cause, type, pointer, count: 0, samples: [] };
      groups.set(key, group);
    }
    group.count += 1;
    if (group.samples.length < sampleLimit) {
      group.samples.push({ seq: deadLetter.seq, envelopeKey: deadLetter.envelopeKey, message });
    }
  };

  for (const { deadLetter, body } of items) {
    total += 1;
    const eligibility = replayEligibility(deadLetter, dryRunJobId);
    if (eligibility.action === 'skip') {
      skippedByWhy[eligibility.why] += 1;
      continue;
    }
    const built = buildReplayEnvelope({
      deadLetter,
      body,
      jobId: dryRunJobId,
      ...(options.patch === undefined ? {} : { patch: options.patch }),
    });
    if (!built.ok) {
      const patchFailed = built.code === 'operation_failed' || built.code === 'protected_member';
      const op = built.opIndex === undefined ? undefined : options.patch?.[built.opIndex];
      fail(
        deadLetter,
        patchFailed ? 'patch_failed' : 'not_replayable',
        deadLetter.type,
        op?.path ?? '',
        built.message,
      );
      continue;
    }
    const decision = options.decide({ subject: built.subject, body: built.body, deliveryCount: 1 });
    switch (decision.outcome) {
      case 'accepted':
        wouldPass += 1;
        if (decision.deprecated) wouldPassDeprecated += 1;
        break;
      case 'delayed':
        wouldBeDelayed += 1;
        break;
      case 'rejected':
        fail(
          deadLetter,
          decision.reason,
          decision.type,
          normalisePointer(decision.errors[0]?.pointer ?? ''),
          decision.detail,
        );
        break;
    }
  }

  const failures = [...groups.entries()]
    .map(([key, group]): DryRunFailureGroup => ({ key, ...group }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  return {
    total,
    skipped: total - wouldPass - wouldBeDelayed - wouldFail,
    skippedByWhy,
    wouldPass,
    wouldPassDeprecated,
    wouldBeDelayed,
    wouldFail,
    failures,
  };
}

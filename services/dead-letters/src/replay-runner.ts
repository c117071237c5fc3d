import type { JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import {
  SkipWhy,
  applyJobEvent,
  buildReplayEnvelope,
  replayIntervalMs,
  transitionDeadLetter,
  type DeadLetter,
  type ReplayJob,
  type ReplayJobEvent,
} from '@plumbline/core';
import type {
  KvLease,
  DeadLetterIndex,
  DeadLetterReader,
  DeadLetterStateRecord,
  DeadLetterStates,
  Logger,
  ReplayJobStore,
} from '@plumbline/platform';
import { selectionFilter } from './dead-letter-service';

export interface ReplayRunnerOptions {
  readonly js: JetStreamClient;
  readonly index: DeadLetterIndex;
  readonly states: DeadLetterStates;
  readonly jobs: ReplayJobStore;
  readonly reader: DeadLetterReader;
  readonly logger: Logger;
  /**
   * Where runners hold a lease per running job (`replay.<job id>`), renewed while they work it:
   * a job whose runner stopped renewing (a crashed process) is resumed by another runner.
   */
  readonly lease: (name: string) => KvLease;
  /** How often queued jobs are looked for (default 500 ms). */
  readonly pollMs?: number;
  readonly now?: () => number;
}

export interface ReplayRunner {
  /** Resolves when the runner has looked for queued jobs once more and worked them. */
  poke(): Promise<void>;
  stop(): Promise<void>;
}

/** Progress and index changes are written every this many items, and at the end … */
const flushEvery = 100;
/** … or this often, so a cancel stops a slow job within a second. */
const flushIntervalMs = 250;
const pageSize = 500;

/**
 * Works replay jobs: claims a queued job (queued → running, compare-and-set, so one runner takes
 * it) and holds a lease on it while it works it; a running job nobody holds a lease on (its runner
 * crashed) is resumed from its last recorded position. A job walks its selection in sequence
 * order, and for each dead letter builds the envelope (patch, `replayof`, `replayjob`), claims the
 * dead letter in KV (once for ever: a second job, or a person resolving it, finds it taken and
 * skips it), and re-publishes it to its original INGEST subject with a deterministic message id,
 * paced at the job's rate. A cancel stops it between two items. Progress is persisted as it goes;
 * the governance worker then decides each replay like any message, and lineage links it
 * (`replay_of`, `replay_job`).
 */
export function startReplayRunner(options: ReplayRunnerOptions): ReplayRunner {
  const { logger } = options;
  const now = options.now ?? Date.now;
  let stopped = false;
  let working: Promise<void> = Promise.resolve();

  const leaseOf = (job: ReplayJob) => options.lease(`replay.${job.id}`);

  const tick = async () => {
    // Jobs left running by a runner that stopped renewing their lease: resumed first.
    for (const job of options.jobs.list(Number.MAX_SAFE_INTEGER, 'running').reverse()) {
      if (stopped) return;
      const lease = leaseOf(job);
      if (!(await lease.hold())) continue; // its runner is alive
      // The list may trail the bucket: the job may have ended since, its progress moved on.
      const current = await options.jobs.get(job.id);
      if (current?.state !== 'running') {
        await lease.release();
        continue;
      }
      logger.warn({ job: job.id, progress: current.progress }, 'resuming an abandoned replay job');
      await work(current, lease);
    }
    // Oldest first: jobs run in the order they were asked for.
    for (const job of options.jobs.list(Number.MAX_SAFE_INTEGER, 'queued').reverse()) {
      if (stopped) return;
      const lease = leaseOf(job);
      if (!(await lease.hold())) continue; // another runner is claiming it
      let claimed: ReplayJob;
      try {
        claimed = await options.jobs.update(job.id, (current) =>
          applyJobEvent(current, { type: 'started', at: now(), total: 0 }),
        );
      } catch {
        await lease.release();
        continue; // another runner took it, or it was cancelled meanwhile
      }
      await work(claimed, lease);
    }
  };

  /** Runs a job under its lease, renewed until the job ends; the job fails on an error. */
  async function work(job: ReplayJob, lease: KvLease): Promise<void> {
    let held = true;
    const renewal = setInterval(
      () =>
        void lease.hold().then(
          (still) => {
            if (!still) held = false;
          },
          (error: unknown) => logger.warn({ err: error, job: job.id }, 'lease renewal failed'),
        ),
      Math.max(1, Math.floor(lease.ttlMs / 3)),
    );
    try {
      await run(job, () => held).catch(async (error: unknown) => {
        logger.error({ err: error, job: job.id }, 'replay job failed');
        await options.jobs
          .update(job.id, (current) =>
            current.state === 'running'
              ? applyJobEvent(current, {
                  type: 'failed',
                  at: now(),
                  error: error instanceof Error ? error.message : String(error),
                })
              : current,
          )
          .catch(() => undefined);
      });
    } finally {
      clearInterval(renewal);
      if (held) await lease.release().catch(() => undefined);
    }
  }

  /**
   * Works a running job from its recorded cursor on while `held()`: a fresh job counts its
   * selection first; a resumed one keeps its total. Items worked after the last recorded progress
   * are worked again: a dead letter this job already claimed and published (`publishedAt`) is
   * counted without publishing; one claimed but not marked is published again with the same
   * message id (INGEST's duplicate window drops it if the first made it).
   */
  async function run(started: ReplayJob, held: () => boolean): Promise<void> {
    const filter = selectionFilter(started.select);
    let job = started;
    if (job.progress.total === 0) {
      const total = await options.index.count(filter);
      job = await options.jobs.update(started.id, (current) => ({
        ...current,
        progress: { ...current.progress, total },
      }));
    }
    const interval = replayIntervalMs(job.maxRatePerSecond);
    const startedAt = now();
    let published = 0;
    let events: ReplayJobEvent[] = [];
    let changed: DeadLetter[] = [];
    let flushedAt = now();

    const flush = async (): Promise<ReplayJob> => {
      flushedAt = now();
      const pending = events;
      events = [];
      if (changed.length > 0) await options.index.put(changed);
      changed = [];
      job = await options.jobs.update(job.id, (current) =>
        pending.reduce((state, event) => applyJobEvent(state, event), current),
      );
      return job;
    };

    let cursor = job.progress.cursor;
    for (;;) {
      const page = await options.index.scan(filter, cursor, pageSize);
      if (page.length === 0) break;
      for (const deadLetter of page) {
        if (!held()) {
          // This runner stalled past its lease and another took the job over from the recorded
          // progress: what was worked since is left to it (recording it too would count it twice).
          logger.warn({ job: job.id }, 'lost the lease on a replay job; another runner resumes it');
          return;
        }
        cursor = deadLetter.seq;
        // Pace against the job's start, so the rate holds over the whole job without drift.
        const due = startedAt + published * interval;
        if (due > now()) await sleep(due - now());
        const event = await replayOne(job, deadLetter, changed);
        events.push(event);
        if (event.type === 'item_replayed') published += 1;
        const flushDue = events.length >= flushEvery || now() - flushedAt >= flushIntervalMs;
        if (flushDue && (await flush()).state === 'cancelled') return;
      }
      if ((await flush()).state === 'cancelled') return;
    }
    await flush();
    job = await options.jobs.update(job.id, (current) =>
      current.state === 'running'
        ? applyJobEvent(current, { type: 'completed', at: now() })
        : current,
    );
    logger.info({ job: job.id, progress: job.progress }, 'replay job finished');
  }

  async function replayOne(
    job: ReplayJob,
    deadLetter: DeadLetter,
    changed: DeadLetter[],
  ): Promise<ReplayJobEvent> {
    const seq = deadLetter.seq;
    const stored = await options.reader.get(seq);
    if (stored === undefined) {
      if (deadLetter.state === 'open')
        changed.push(transitionDeadLetter(deadLetter, { to: 'expired', at: now() }));
      return { type: 'item_skipped', seq, why: SkipWhy.Expired };
    }
    const built = buildReplayEnvelope({
      deadLetter,
      body: stored.body,
      jobId: job.id,
      ...(job.patch === undefined ? {} : { patch: job.patch }),
    });
    if (!built.ok) return { type: 'item_failed', seq, error: `${built.code}: ${built.message}` };
    const record: DeadLetterStateRecord = {
      state: 'replayed',
      by: job.requestedBy,
      at: now(),
      reason: '',
      jobId: job.id,
      replayedAs: built.msgId,
    };
    const claim = await options.states.claim(seq, record);
    if (!claim.claimed && claim.existing.jobId !== job.id)
      return {
        type: 'item_skipped',
        seq,
        why: claim.existing.state === 'resolved' ? SkipWhy.Resolved : SkipWhy.AlreadyReplayed,
      };
    // Worked again after a resume: published already unless the crash came between the claim
    // and the mark (then INGEST's duplicate window drops a second copy if it is recent).
    const published = !claim.claimed && claim.existing.publishedAt !== undefined;
    if (!published) {
      const headers = natsHeaders();
      headers.set('Plumbline-Replay-Of', String(seq));
      headers.set('Plumbline-Replay-Job', job.id);
      try {
        await options.js.publish(built.subject, built.body, { msgID: built.msgId, headers });
      } catch (error) {
        // Claimed but not published: the job's resume publishes it (same message id).
        return {
          type: 'item_failed',
          seq,
          error: error instanceof Error ? error.message : String(error),
        };
      }
      // Unmarked, a resume past the duplicate window would publish it twice: worth a warning,
      // not a failure (it was replayed).
      await options.states
        .markPublished(seq, claim.claimed ? record : claim.existing, now())
        .catch((error: unknown) =>
          logger.warn({ err: error, job: job.id, seq }, 'replayed, but not marked published'),
        );
    }
    if (deadLetter.state === 'open')
      changed.push(
        transitionDeadLetter(deadLetter, {
          to: 'replayed',
          jobId: job.id,
          replayedAs: built.msgId,
          by: job.requestedBy,
          at: now(),
        }),
      );
    return { type: 'item_replayed', seq };
  }

  const pollMs = options.pollMs ?? 500;
  const timer = setInterval(() => {
    void poke();
  }, pollMs);
  timer.unref();

  // At most one tick running and one waiting: pokes while busy share the waiting one.
  let waiting: Promise<void> | undefined;
  function poke(): Promise<void> {
    waiting ??= working
      .then(() => {
        waiting = undefined;
        return tick();
      })
      .catch((error: unknown) => logger.error({ err: error }, 'replay runner tick failed'));
    working = waiting;
    return waiting;
  }

  return {
    poke,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await working;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

import { describe, expect, it } from 'vitest';
import { isPlumblineError } from '../errors';
import {
  allReplayJobStates,
  applyJobEvent,
  canTransitionReplayJob,
  createReplayJob,
  maySeeReplayJob,
  nextPublishAt,
  processedItems,
  replayIntervalMs,
  type ReplayJob,
  type ReplayJobEvent,
} from './replay-job';
import type { ReplayRequest } from './replay-request';
import { isStateTransitionError } from './state-transition-error';
import { t0, thrown } from './test-fixtures';

const request: ReplayRequest = {
  select: { ids: [1, 2, 3] },
  maxRatePerSecond: 10,
  dryRun: false,
  reason: 'contract v2 fixes the amount type',
  ticket: 'SUP-7',
};
const queued = () =>
  createReplayJob({ id: 'job-1', request, requestedBy: 'sam', tenants: ['acme'], at: t0 });
const run = (job: ReplayJob, ...events: ReplayJobEvent[]) => events.reduce(applyJobEvent, job);
const started = () => run(queued(), { type: 'started', at: t0 + 1, total: 3 });

describe('maySeeReplayJob', () => {
  const over = (...tenants: string[]) =>
    createReplayJob({ id: 'job-1', request, requestedBy: 'sam', tenants, at: t0 });

  it('shows a job to callers who see all of its tenants, and a job over any tenant to those who see all', () => {
    expect(over('acme', 'acme', 'bolt').tenants).toEqual(['acme', 'bolt']);
    expect(maySeeReplayJob(['*'], over('acme'))).toBe(true);
    expect(maySeeReplayJob(['*'], over('*'))).toBe(true);
    expect(maySeeReplayJob(['acme', 'bolt'], over('acme'))).toBe(true);
    expect(maySeeReplayJob(['acme', 'bolt'], over('bolt', 'acme'))).toBe(true);
    expect(maySeeReplayJob(['acme'], over('acme', 'bolt'))).toBe(false);
    expect(maySeeReplayJob(['acme'], over('bolt'))).toBe(false);
    expect(maySeeReplayJob(['acme'], over('*'))).toBe(false);
  });
});

describe('createReplayJob', () => {
  it('queues a job with the request and empty progress', () => {
    expect(queued()).toEqual({
      id: 'job-1',
      kind: 'manual',
      state: 'queued',
      select: { ids: [1, 2, 3] },
      maxRatePerSecond: 10,
      reason: request.reason,
      ticket: 'SUP-7',
      requestedBy: 'sam',
      tenants: ['acme'],
      createdAt: t0,
      startedAt: 0,
      finishedAt: 0,
      cancelledBy: '',
      stateReason: '',
      progress: { total: 0, replayed: 0, accepted: 0, skipped: 0, failed: 0, cursor: 0 },
    });
  });

  it('refuses a dry run, an unsafe id and the reserved dry-run id', () => {
    const dry = thrown(() =>
      createReplayJob({
        id: 'job-1',
        request: { ...request, dryRun: true },
        requestedBy: 's',
        tenants: ['*'],
        at: t0,
      }),
    );
    expect(isPlumblineError(dry) && dry.code).toBe('bad_request');
    for (const id of ['job 1', 'a.b', '', 'x'.repeat(65), 'dry-run']) {
      const error = thrown(() =>
        createReplayJob({ id, request, requestedBy: 's', tenants: ['*'], at: t0 }),
      );
      expect(isPlumblineError(error) && error.code).toBe('internal');
    }
  });
});

describe('replay job state machine', () => {
  it('allows queued → running | cancelled and running → done | failed | cancelled only', () => {
    const states = allReplayJobStates;
    const allowed = states.flatMap((from) =>
      states.filter((to) => canTransitionReplayJob(from, to)).map((to) => `${from}→${to}`),
    );
    expect(allowed).toEqual([
      'queued→running',
      'queued→cancelled',
      'running→done',
      'running→failed',
      'running→cancelled',
    ]);
  });

  it('counts progress and finishes', () => {
    const done = run(
      started(),
      { type: 'item_replayed', seq: 1 },
      { type: 'item_skipped', seq: 2, why: 'already_replayed' },
      { type: 'item_failed', seq: 3, error: 'op 0 failed' },
      { type: 'item_accepted', seq: 1 },
      { type: 'completed', at: t0 + 9 },
    );
    expect(done).toMatchObject({
      state: 'done',
      startedAt: t0 + 1,
      finishedAt: t0 + 9,
      progress: { total: 3, replayed: 1, accepted: 1, skipped: 1, failed: 1, cursor: 3 },
    });
    expect(processedItems(done.progress)).toBe(3);
  });

  it('counts acceptance reported after the job finished, never above what it replayed', () => {
    const done = run(
      started(),
      { type: 'item_replayed', seq: 1 },
      { type: 'completed', at: t0 + 2 },
    );
    const late = run(done, { type: 'item_accepted', seq: 1 }, { type: 'item_accepted', seq: 1 });
    expect(late.progress.accepted).toBe(1);
  });

  it('cancels a queued or running job with a reason, and still counts the item in flight', () => {
    const cancel: ReplayJobEvent = {
      type: 'cancelled',
      at: t0 + 5,
      by: 'kim',
      reason: 'wrong filter, too broad',
    };
    expect(run(queued(), cancel)).toMatchObject({
      state: 'cancelled',
      cancelledBy: 'kim',
      stateReason: 'wrong filter, too broad',
    });
    const cancelled = run(started(), { type: 'item_replayed', seq: 1 }, cancel, {
      type: 'item_replayed',
      seq: 2,
    });
    expect(cancelled).toMatchObject({
      state: 'cancelled',
      finishedAt: t0 + 5,
      progress: { replayed: 2, cursor: 2 },
    });
    const error = thrown(() => run(started(), { ...cancel, reason: 'oops' }));
    expect(isPlumblineError(error) && error.code).toBe('bad_request');
  });

  it('records why a job failed', () => {
    expect(
      run(started(), { type: 'failed', at: t0 + 3, error: 'DEADLETTER stream unavailable' }),
    ).toMatchObject({
      state: 'failed',
      stateReason: 'DEADLETTER stream unavailable',
    });
  });

  it.each<[string, () => ReplayJob, ReplayJobEvent, string]>([
    [
      'cancel a finished job',
      () => run(started(), { type: 'completed', at: 1 }),
      { type: 'cancelled', at: 2, by: 'k', reason: 'no longer needed' },
      'cancelled',
    ],
    ['start twice', started, { type: 'started', at: 2, total: 3 }, 'running'],
    ['complete a queued job', queued, { type: 'completed', at: 2 }, 'done'],
    ['fail a queued job', queued, { type: 'failed', at: 2, error: 'x' }, 'failed'],
    ['report an item before starting', queued, { type: 'item_replayed', seq: 1 }, 'item_replayed'],
    [
      'report an item after done',
      () => run(started(), { type: 'completed', at: 1 }),
      { type: 'item_failed', seq: 1, error: 'x' },
      'item_failed',
    ],
    ['accept before starting', queued, { type: 'item_accepted', seq: 1 }, 'item_accepted'],
  ])('refuses to %s with a typed conflict', (_what, job, event, to) => {
    const error = thrown(() => applyJobEvent(job(), event));
    expect(isStateTransitionError(error)).toBe(true);
    expect(isStateTransitionError(error) && error.details).toMatchObject({
      machine: 'replay_job',
      to,
    });
  });

  it('treats more items than selected as a bug', () => {
    const full = run(
      started(),
      ...[1, 2, 3].map((seq): ReplayJobEvent => ({ type: 'item_replayed', seq })),
    );
    const error = thrown(() => applyJobEvent(full, { type: 'item_replayed', seq: 4 }));
    expect(isPlumblineError(error) && error.code).toBe('internal');
  });
});

describe('pacing', () => {
  it('spaces re-publications by 1/rate', () => {
    expect(replayIntervalMs(50)).toBe(20);
    expect(replayIntervalMs(0.5)).toBe(2_000);
    expect(nextPublishAt(undefined, t0, 50)).toBe(t0);
    expect(nextPublishAt(t0, t0 + 5, 50)).toBe(t0 + 20);
    expect(nextPublishAt(t0, t0 + 100, 50)).toBe(t0 + 100);
  });
});

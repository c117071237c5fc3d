import { describe, expect, it } from 'vitest';
import { isPlumblineError } from '../errors';
import {
  auditCancel,
  auditPatch,
  auditReplay,
  auditResolve,
  auditTriage,
} from './dead-letter-audit';
import type { Actor } from '../identity/actor';
import { transitionDeadLetter } from './dead-letter-state';
import { applyJobEvent, createReplayJob } from './replay-job';
import { transitionTriage, untriaged } from './triage';
import { aDeadLetter, t0, thrown } from './test-fixtures';

const actor: Actor = { id: 'sam', role: 'support', requestId: 'req-1' };
const reason = 'contract v2 accepts string amounts';
const patch = [{ op: 'replace', path: '/data/amount', value: 1 }] as const;
const job = createReplayJob({
  id: 'job-1',
  request: {
    select: { filter: { reasons: ['schema_violation'] } },
    patch: [...patch],
    maxRatePerSecond: 20,
    dryRun: false,
    reason,
    ticket: 'SUP-9',
  },
  requestedBy: 'sam',
  tenants: ['*'],
  at: t0,
});

describe('audit entries for human actions', () => {
  it('records a replay request: who, what was selected, how fast, why, which ticket', () => {
    expect(auditReplay(actor, job)).toEqual({
      actor: 'sam',
      role: 'support',
      action: 'deadletter.replay',
      target: 'replay-job:job-1',
      after: {
        state: 'queued',
        kind: 'manual',
        select: { filter: { reasons: ['schema_violation'] } },
        maxRatePerSecond: 20,
        patchOperations: 1,
        ticket: 'SUP-9',
      },
      reason,
      requestId: 'req-1',
    });
  });

  it('records the patch operations of a job, and nothing for a job without one', () => {
    expect(auditPatch(actor, job)).toMatchObject({
      action: 'deadletter.patch',
      target: 'replay-job:job-1',
      after: { ops: patch, ticket: 'SUP-9' },
      reason,
    });
    const { patch: _patch, ...withoutPatch } = job;
    expect(auditPatch(actor, withoutPatch)).toBeUndefined();
  });

  it('records a resolve with the state before and after', () => {
    const before = aDeadLetter({ seq: 12 });
    const after = transitionDeadLetter(before, {
      to: 'resolved',
      reason: 'duplicate of seq 11',
      by: 'sam',
      at: t0,
    });
    expect(auditResolve(actor, before, after)).toEqual({
      actor: 'sam',
      role: 'support',
      action: 'deadletter.resolve',
      target: 'deadletter:12',
      before: { state: 'open' },
      after: { state: 'resolved' },
      reason: 'duplicate of seq 11',
      requestId: 'req-1',
    });
  });

  it('records a cancel with the progress at that moment', () => {
    const running = applyJobEvent(job, { type: 'started', at: t0, total: 10 });
    const cancelled = applyJobEvent(running, {
      type: 'cancelled',
      at: t0 + 1,
      by: 'sam',
      reason: 'filter was too broad',
    });
    expect(auditCancel(actor, running, cancelled, 'SUP-10')).toMatchObject({
      action: 'replay.cancel',
      before: { state: 'running', progress: { total: 10 } },
      after: { state: 'cancelled', ticket: 'SUP-10' },
      reason: 'filter was too broad',
    });
  });

  it('records triage, with the note as the reason when there is one', () => {
    const acknowledged = transitionTriage(untriaged, { to: 'acknowledged', by: 'sam', at: t0 });
    const entry = auditTriage(
      { id: 'kim', role: 'support' },
      'too_large|x.y|',
      untriaged,
      acknowledged,
    );
    expect(entry).toEqual({
      actor: 'kim',
      role: 'support',
      action: 'problem.triage',
      target: 'problem:too_large|x.y|',
      before: { state: 'open' },
      after: { state: 'acknowledged' },
    });
    const ignored = transitionTriage(acknowledged, {
      to: 'ignored',
      note: 'test traffic from staging',
      by: 'kim',
      at: t0,
    });
    expect(auditTriage(actor, 'k', acknowledged, ignored).reason).toBe('test traffic from staging');
  });

  it('refuses an action without a proper reason or with a malformed ticket', () => {
    const noReason = thrown(() => auditReplay(actor, { ...job, reason: 'x' }));
    expect(isPlumblineError(noReason) && noReason.code).toBe('bad_request');
    const badTicket = thrown(() => auditTriage(actor, 'k', untriaged, untriaged, 'a\nb'));
    expect(isPlumblineError(badTicket) && badTicket.code).toBe('bad_request');
  });
});

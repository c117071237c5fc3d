import { describe, expect, it } from 'vitest';
import { replayEligibility } from './replay-eligibility';
import { aDeadLetter } from './test-fixtures';

describe('replayEligibility', () => {
  it('replays an open dead letter', () => {
    expect(replayEligibility(aDeadLetter(), 'job-2')).toEqual({ action: 'replay' });
  });

  it('skips one another job replayed: a second replay never publishes it again', () => {
    const replayed = aDeadLetter({ state: 'replayed', replayJobId: 'job-1' });
    expect(replayEligibility(replayed, 'job-2')).toEqual({
      action: 'skip',
      why: 'already_replayed',
    });
  });

  it('republishes one this job claimed before a crash (the message id deduplicates)', () => {
    const claimed = aDeadLetter({ state: 'replayed', replayJobId: 'job-1' });
    expect(replayEligibility(claimed, 'job-1')).toEqual({ action: 'republish' });
  });

  it('skips resolved and expired ones', () => {
    expect(replayEligibility(aDeadLetter({ state: 'resolved' }), 'j')).toEqual({
      action: 'skip',
      why: 'resolved',
    });
    expect(replayEligibility(aDeadLetter({ state: 'expired' }), 'j')).toEqual({
      action: 'skip',
      why: 'expired',
    });
  });
});

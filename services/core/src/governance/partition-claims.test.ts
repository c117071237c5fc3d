import { describe, expect, it } from 'vitest';
import { planPartitionClaims, type PartitionView } from './partition-claims';

const view = (overrides: Partial<PartitionView>): PartitionView => ({
  partitions: 4,
  liveWorkers: 1,
  held: [],
  free: [],
  offset: 0,
  ...overrides,
});

describe('planPartitionClaims', () => {
  it('claims every free partition when it is the only worker', () => {
    expect(planPartitionClaims(view({ free: [0, 1, 2, 3] }))).toEqual({
      claim: [0, 1, 2, 3],
      release: [],
    });
  });

  it('claims up to its fair share, starting from its offset', () => {
    expect(planPartitionClaims(view({ liveWorkers: 2, free: [0, 1, 2, 3], offset: 3 }))).toEqual({
      claim: [3, 0],
      release: [],
    });
    expect(planPartitionClaims(view({ liveWorkers: 3, free: [1, 2], held: [0] }))).toEqual({
      claim: [1],
      release: [],
    });
  });

  it('gives back its highest partitions beyond its share when a worker joins', () => {
    expect(planPartitionClaims(view({ liveWorkers: 2, held: [3, 0, 2, 1] }))).toEqual({
      claim: [],
      release: [2, 3],
    });
  });

  it('rounds shares up, so shares always cover every partition', () => {
    // 5 partitions, 2 workers: shares of 3; one may hold 3 and the other 2.
    expect(planPartitionClaims(view({ partitions: 5, liveWorkers: 2, held: [0, 1, 2] }))).toEqual({
      claim: [],
      release: [],
    });
    expect(
      planPartitionClaims(view({ partitions: 5, liveWorkers: 2, held: [3], free: [4] })),
    ).toEqual({ claim: [4], release: [] });
  });

  it('waits as a standby when every partition is held', () => {
    expect(planPartitionClaims(view({ partitions: 2, liveWorkers: 3 }))).toEqual({
      claim: [],
      release: [],
    });
  });

  it('takes over the partitions of a worker no longer alive', () => {
    expect(
      planPartitionClaims(view({ liveWorkers: 1, held: [0, 1], free: [2, 3], offset: 1 })),
    ).toEqual({ claim: [2, 3], release: [] });
  });
});

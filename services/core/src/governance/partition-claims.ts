/** What one worker knows of INGEST's partitions at a moment. */
export interface PartitionView {
  /** Partitions INGEST is cut into. */
  readonly partitions: number;
  /** Workers alive (this one included), by their heartbeats. */
  readonly liveWorkers: number;
  /** Partitions this worker holds. */
  readonly held: readonly number[];
  /** Partitions no worker holds (no lease, or one that lapsed). */
  readonly free: readonly number[];
  /** Where this worker starts looking among free partitions, so contenders spread out. */
  readonly offset: number;
}

export interface PartitionPlan {
  readonly claim: readonly number[];
  readonly release: readonly number[];
}

/**
 * Each worker aims at its fair share of the partitions, `ceil(partitions / liveWorkers)`: it
 * gives back what it holds beyond it (its highest partitions) and claims free ones up to it.
 * Shares add up to at least the partitions, so a free partition always has a worker below its
 * share to take it; when a worker joins, the others' shares shrink and they make room for it.
 */
export function planPartitionClaims(view: PartitionView): PartitionPlan {
  const share = Math.ceil(view.partitions / Math.max(1, view.liveWorkers));
  const held = [...view.held].sort((a, b) => a - b);
  if (held.length > share) return { claim: [], release: held.slice(share) };
  const wanted = share - held.length;
  const rank = (partition: number) =>
    (partition - (view.offset % view.partitions) + view.partitions) % view.partitions;
  const claim = view.free
    .filter((partition) => !held.includes(partition))
    .sort((a, b) => rank(a) - rank(b))
    .slice(0, wanted);
  return { claim, release: [] };
}

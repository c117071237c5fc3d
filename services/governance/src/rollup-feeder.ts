import type { KvLease, Logger, RollupFeed } from '@plumbline/platform';

export interface RollupFeederOptions {
  readonly feed: RollupFeed;
  readonly intervalMs: number;
  /**
   * Held while feeding when several processes share one ClickHouse database (a server); absent
   * with chDB, where the database belongs to this process alone.
   */
  readonly lease?: KvLease;
  readonly logger: Logger;
  /** Steps per tick at most (each up to the feed's row cap), so a backlog drains in slices. */
  readonly maxStepsPerTick?: number;
}

export interface RollupFeederStats {
  readonly steps: number;
  readonly lastFedAt: number | undefined;
  readonly lastError: string | undefined;
  /** Whether this process feeds (holds the lease, or needs none). */
  readonly feeding: boolean;
}

export interface RollupFeeder {
  stats(): RollupFeederStats;
  /** Finishes the step under way, gives the lease up, then resolves. */
  stop(): Promise<void>;
}

/**
 * Keeps the flow and KPI rollups current, off the worker's hot path: every `intervalMs` the feed
 * moves what the worker wrote to lineage since the last step into the rollups. A failed step is
 * logged and tried again at the next tick (the feed repeats an interrupted range harmlessly).
 */
export function startRollupFeeder(options: RollupFeederOptions): RollupFeeder {
  const { feed, lease, logger } = options;
  const maxSteps = options.maxStepsPerTick ?? 20;
  let steps = 0;
  let lastFedAt: number | undefined;
  let lastError: string | undefined;
  let feeding = lease === undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let tick: Promise<void> = Promise.resolve();

  const run = async () => {
    try {
      if (lease !== undefined) {
        const held = await lease.hold();
        if (held !== feeding)
          logger.info(
            { lease: lease.name },
            held ? 'feeding the rollups' : 'another process feeds the rollups',
          );
        feeding = held;
        if (!held) return;
      }
      for (let i = 0; i < maxSteps && !stopped; i += 1) {
        const step = await feed.step();
        if (step === undefined) break;
        steps += 1;
        lastFedAt = Date.now();
        if (step.repeated)
          logger.warn(
            { after: step.after, upTo: step.upTo },
            'repeated an interrupted rollup step',
          );
      }
      lastError = undefined;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      logger.error({ err: error }, 'rollup step failed; trying again at the next tick');
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      tick = run().finally(schedule);
    }, options.intervalMs);
  };
  schedule();

  return {
    stats: () => ({ steps, lastFedAt, lastError, feeding }),
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await tick;
      if (lease !== undefined && feeding) await lease.release().catch(() => undefined);
    },
  };
}

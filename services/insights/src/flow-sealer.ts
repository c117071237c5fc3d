import { floorDay, type FlowDefinition } from '@plumbline/core';
import { isRolledUp, type FlowSeal, type InsightsStore, type Logger } from '@plumbline/platform';
import { insightsLimits } from './insights-service';

const day = 86_400_000;

export interface FlowSealerOptions {
  readonly store: InsightsStore;
  readonly flows: readonly FlowDefinition[];
  readonly logger: Logger;
  /** How often the seal is checked (default one minute). */
  readonly checkEveryMs?: number;
  /** The shortest wait between two builds while seals keep going stale (default 10 minutes). */
  readonly rebuildAfterMs?: number;
  readonly now?: () => number;
}

export interface FlowSealer {
  /** The seal reads use, once one holds. */
  current(): FlowSeal | undefined;
  /** Runs one check now (tests; the timer does the same). */
  check(): Promise<void>;
  /** Finishes the check under way, then resolves. */
  stop(): Promise<void>;
}

/**
 * Keeps a seal of the rolled-up flows' instances (`FlowSeals`) that the flow overview can read:
 * builds one at start, after every UTC midnight, and when the newest went stale (a backlog fed a
 * sealed day; at most once per `rebuildAfterMs`); drops the seals it replaced once the new one
 * has been read for a check interval. Until a seal holds, the overview groups the step rows.
 */
export function startFlowSealer(options: FlowSealerOptions): FlowSealer {
  const { store, logger } = options;
  const flows = options.flows.filter(isRolledUp);
  const checkEveryMs = options.checkEveryMs ?? 60_000;
  const rebuildAfterMs = options.rebuildAfterMs ?? 10 * 60_000;
  const now = options.now ?? Date.now;
  let current: FlowSeal | undefined;
  let lastBuildAt = -Infinity;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const build = async () => {
    const started = now();
    lastBuildAt = started;
    const seal = await store.seals.build(flows, {
      now: started,
      reachMs: insightsLimits.flows.maxSpanMs,
    });
    logger.info({ seal: seal.seal, ms: Math.round(now() - started) }, 'sealed the flow instances');
    return seal;
  };

  const check = async () => {
    if (flows.length === 0) return;
    try {
      const newest = await store.seals.newest(flows);
      const dueDay = floorDay(now()) - day;
      if (
        newest.kind === 'none' ||
        (newest.kind === 'holds' && newest.seal.sealedBefore < dueDay)
      ) {
        current = await build();
      } else if (newest.kind === 'stale') {
        current = undefined;
        if (now() - lastBuildAt >= rebuildAfterMs) current = await build();
      } else {
        if (current?.seal === newest.seal.seal) {
          const dropped = await store.seals.dropReplaced(newest.seal);
          if (dropped.length > 0) logger.info({ dropped }, 'dropped replaced flow seals');
        }
        current = newest.seal;
      }
    } catch (error) {
      logger.error({ err: error }, 'sealing the flow instances failed; trying at the next check');
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = check().finally(schedule);
    }, checkEveryMs);
  };
  running = check().finally(schedule);

  return {
    current: () => current,
    check: async () => {
      await running;
      running = check();
      await running;
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}

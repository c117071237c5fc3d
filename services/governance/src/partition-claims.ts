import type { KV } from '@nats-io/kv';
import { planPartitionClaims } from '@plumbline/core';
import { KvLease, forgetLapsedLease, readLease, type Logger } from '@plumbline/platform';

export interface PartitionClaimsOptions {
  /** The leases bucket: `ingest.partitions.<n>` (one holder each) and `ingest.workers.<id>`. */
  readonly leases: KV;
  readonly partitions: number;
  readonly workerId: string;
  /** A lease not renewed for this long lapses; renewals come every third of it. */
  readonly ttlMs: number;
  readonly logger: Logger;
  /** This worker now holds `partition`: start pulling it. */
  readonly onClaim: (partition: number) => void;
  /** This worker no longer holds `partition` (given back or lost): stop pulling it. */
  readonly onRelease: (partition: number) => void;
  readonly now?: () => number;
}

export interface PartitionClaims {
  /** Partitions held now, in order. */
  held(): readonly number[];
  /** Stops claiming and gives every partition back (so others need not wait for the leases). */
  stop(): Promise<void>;
}

export const PartitionLeases = {
  partition: (partition: number) => `ingest.partitions.${partition}`,
  worker: (workerId: string) => `ingest.workers.${workerId}`,
  workers: 'ingest.workers.>',
} as const;

/**
 * Keeps this worker holding its fair share of INGEST's partitions (`planPartitionClaims`), each
 * under a KV lease so that one worker at a time governs a partition: a heartbeat lease says the
 * worker is alive, and every third of `ttlMs` it renews what it holds, counts the live workers,
 * gives back what is beyond its share and claims free partitions up to it. A worker that dies
 * stops renewing; its partitions lapse after `ttlMs` and the others take them over, and its
 * heartbeat is deleted once it has lapsed for a minute (or four `ttlMs`) or more.
 */
export async function startPartitionClaims(
  options: PartitionClaimsOptions,
): Promise<PartitionClaims> {
  const { leases: kv, logger } = options;
  const now = options.now ?? Date.now;
  const lease = (name: string) => new KvLease(kv, name, options.workerId, options.ttlMs, now);
  const heartbeat = lease(PartitionLeases.worker(options.workerId));
  /** Held partitions, with when their lease was last renewed (it lapses `ttlMs` after). */
  const held = new Map<number, { readonly lease: KvLease; renewedAt: number }>();
  const offset = offsetOf(options.workerId, options.partitions);
  // A heartbeat lapsed this long belongs to a worker that died: forgotten, or every worker that
  // ever crashed would stay in the listing each tick reads.
  const forgetAfterMs = Math.max(60_000, 4 * options.ttlMs);
  let stopped = false;

  const release = async (partition: number, why: string) => {
    const claim = held.get(partition);
    if (claim === undefined) return;
    held.delete(partition);
    options.onRelease(partition);
    logger.info({ partition, why }, 'stopped governing an INGEST partition');
    await claim.lease.release().catch(() => undefined);
  };

  const tick = async () => {
    await heartbeat.hold();
    for (const [partition, claim] of held) {
      const renewing = now();
      if (await claim.lease.hold()) claim.renewedAt = renewing;
      else await release(partition, 'lease taken by another worker');
    }
    const at = now();
    let liveWorkers = 0;
    for await (const key of await kv.keys(PartitionLeases.workers)) {
      const record = await readLease(kv, key);
      if (record === undefined) continue;
      if (record.expiresAt > at) liveWorkers += 1;
      else if (await forgetLapsedLease(kv, key, forgetAfterMs, now))
        logger.info({ heartbeat: key }, 'forgot the heartbeat of a worker long gone');
    }
    const free: number[] = [];
    for (let partition = 0; partition < options.partitions; partition += 1) {
      if (held.has(partition)) continue;
      const record = await readLease(kv, PartitionLeases.partition(partition));
      if (record === undefined || record.expiresAt <= at) free.push(partition);
    }
    const plan = planPartitionClaims({
      partitions: options.partitions,
      liveWorkers,
      held: [...held.keys()],
      free,
      offset,
    });
    for (const partition of plan.release) await release(partition, 'fair share smaller');
    for (const partition of plan.claim) {
      const claim = lease(PartitionLeases.partition(partition));
      const claiming = now();
      if (stopped || !(await claim.hold())) continue;
      held.set(partition, { lease: claim, renewedAt: claiming });
      options.onClaim(partition);
      logger.info({ partition, liveWorkers }, 'governing an INGEST partition');
    }
  };

  // Leases this worker could not renew for their whole life may be another's by now: stop.
  const dropLapsed = async () => {
    for (const [partition, claim] of held)
      if (claim.renewedAt + options.ttlMs <= now())
        await release(partition, 'lease not renewed in time');
  };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick()
        .catch(async (error: unknown) => {
          logger.warn({ err: error }, 'partition leases not renewed; trying again');
          await dropLapsed();
        })
        .finally(schedule);
    }, options.ttlMs / 3);
  };
  await tick();
  schedule();

  return {
    held: () => [...held.keys()].sort((a, b) => a - b),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => undefined);
      for (const partition of [...held.keys()]) await release(partition, 'worker stopping');
      await heartbeat.release().catch(() => undefined);
    },
  };
}

/** A stable starting point per worker, so workers starting together try different partitions. */
function offsetOf(workerId: string, partitions: number): number {
  let hash = 0;
  for (const char of workerId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % partitions;
}

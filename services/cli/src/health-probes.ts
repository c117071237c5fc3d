import { jetstreamManager } from '@nats-io/jetstream';
import type { HealthProbes } from '@plumbline/api';
import type { GovernanceRuntime } from '@plumbline/governance';
import { RollupFeed, Streams, missingConsumers } from '@plumbline/platform';
import type { Infrastructure } from './boot';

const stalledAfterMs = 60_000;

export function healthProbes(
  infra: Infrastructure,
  runtime: () => Pick<GovernanceRuntime, 'worker' | 'rollupFeeder'> | undefined,
): HealthProbes {
  const feed = new RollupFeed(infra.store);
  return {
    nats: () =>
      Promise.resolve(
        infra.nc.isClosed()
          ? { up: false, detail: 'connection closed' }
          : { up: true, detail: infra.nc.getServer() },
      ),
    /**
     * Up while the consumers the workers pull exist: one deleted by hand leaves the workers
     * idle with nothing to say for themselves (`npm start` creates it again, from the first
     * message still in the stream).
     */
    jetstream: async () => {
      const jsm = await jetstreamManager(infra.nc);
      const info = await jsm.getAccountInfo();
      const missing = await missingConsumers(jsm, infra.config.ingestPartitions);
      if (missing.length > 0)
        return {
          up: false,
          detail:
            `consumer(s) missing, nothing is taken from them: ${missing.join(', ')}` +
            (missing.some((consumer) => consumer.startsWith(`${Streams.Ingest}/`))
              ? ' (`plumbline start` recreates them; while INGEST holds messages, only where PLUMBLINE_INGEST_RESUME_FROM says)'
              : ' (`plumbline start` recreates them)'),
        };
      return { up: true, detail: `${info.streams} streams, ${info.consumers} consumers` };
    },
    clickhouse: async () => {
      await infra.store.query('SELECT 1 AS ok');
      return { up: true, detail: infra.store.transport };
    },
    worker: () => {
      const current = runtime()?.worker;
      if (current === undefined) return Promise.resolve({ up: false, detail: 'not started' });
      const stats = current.stats();
      if (!stats.running) return Promise.resolve({ up: false, detail: 'stopped' });
      if (stats.lastError !== undefined && (stats.lastBatchAt ?? 0) < Date.now() - stalledAfterMs) {
        return Promise.resolve({
          up: false,
          detail: `failing: ${stats.lastError}; ${stats.held} messages (${mebibytes(stats.heldBytes)}) held`,
        });
      }
      const counts = `${stats.accepted} accepted, ${stats.rejected} rejected, ${stats.delayed} delayed`;
      // A partitioned INGEST: a worker holding no partition is a standby (up, and says so).
      const partitions =
        stats.partitions === undefined
          ? ''
          : stats.partitions.length === 0
            ? '; standby: every INGEST partition is held by another worker'
            : `; governing INGEST partition(s) ${stats.partitions.join(', ')}`;
      return Promise.resolve({ up: true, detail: `${counts}${partitions}` });
    },
    /**
     * The flow and KPI rollups: what lineage holds that the feed has not moved yet, and whether
     * this process's feeder keeps failing (down after a minute without a step while failing).
     */
    rollups: async () => {
      const feeder = runtime()?.rollupFeeder;
      if (feeder === undefined) return { up: false, detail: 'not started' };
      const stats = feeder.stats();
      const backlog = await feed.backlog();
      const waiting = `${backlog.rows} lineage rows waiting`;
      if (!stats.feeding) return { up: true, detail: `${waiting}; another process feeds them` };
      if (stats.lastError !== undefined && (stats.lastFedAt ?? 0) < Date.now() - stalledAfterMs)
        return { up: false, detail: `failing: ${stats.lastError}; ${waiting}` };
      const fed =
        stats.lastFedAt === undefined
          ? 'nothing fed yet'
          : `last fed ${Math.round((Date.now() - stats.lastFedAt) / 1000)} s ago`;
      return { up: true, detail: `${waiting}; ${fed}` };
    },
  };
}

const mebibytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

import { jetstreamManager } from '@nats-io/jetstream';
import type { HealthProbes } from '@plumbline/api';
import type { GovernanceWorker } from '@plumbline/governance';
import type { Infrastructure } from './boot';

const stalledAfterMs = 60_000;

export function healthProbes(
  infra: Infrastructure,
  worker: () => GovernanceWorker | undefined,
): HealthProbes {
  return {
    nats: () =>
      Promise.resolve(
        infra.nc.isClosed()
          ? { up: false, detail: 'connection closed' }
          : { up: true, detail: infra.nc.getServer() },
      ),
    jetstream: async () => {
      const info = await (await jetstreamManager(infra.nc)).getAccountInfo();
      return { up: true, detail: `${info.streams} streams, ${info.consumers} consumers` };
    },
    clickhouse: async () => {
      await infra.store.query('SELECT 1 AS ok');
      return { up: true, detail: infra.store.transport };
    },
    worker: () => {
      const current = worker();
      if (current === undefined) return Promise.resolve({ up: false, detail: 'not started' });
      const stats = current.stats();
      if (!stats.running) return Promise.resolve({ up: false, detail: 'stopped' });
      if (stats.lastError !== undefined && (stats.lastBatchAt ?? 0) < Date.now() - stalledAfterMs) {
        return Promise.resolve({ up: false, detail: `failing: ${stats.lastError}` });
      }
      return Promise.resolve({
        up: true,
        detail: `${stats.accepted} accepted, ${stats.rejected} rejected, ${stats.delayed} delayed`,
      });
    },
  };
}

/**
 * Upgrading a store whose rollups migration 3's view kept current to the rollup feed (migration 4):
 * what the view counted stays counted once, the new rollups are backfilled from lineage, and the
 * feed takes over from the last lineage row the view saw.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChdbStore } from './chdb-store';
import type { ClickHouseStore } from './clickhouse-store';
import { InsightsStore } from './insights-store';
import { migrate } from './migrations';
import { RollupFeed } from './rollup-feed';

const hour = 3_600_000;
const at = Math.floor(Date.now() / hour) * hour - 3 * hour;
const window = { from: at - hour, to: at + 4 * hour };

let dir: string;
let store: ClickHouseStore;

const lineage = (from: number, count: number, tenant: string) =>
  Array.from({ length: count }, (_, i) => ({
    envelope_key: `odoo:${from + i}`,
    source: 'odoo',
    type: 'invoice.posted',
    outcome: i % 5 === 0 ? 'rejected' : 'accepted',
    tracked_num: { amount_total: 100 },
    tracked_str: { currency: 'EUR' },
    tenant,
    event_time: at + i,
    received_at: at + i,
    decided_at: at + i + 10,
    latency_ms: 10,
    delivery: 1,
  }));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plumbline-feed-upgrade-'));
  store = openChdbStore(dir, 'plumbline');
  expect(await migrate(store, 3)).toEqual([1, 2, 3]);
  // Written while migration 3's view fed the rollups on insert.
  await store.insert(`${store.database}.lineage_v1`, lineage(0, 50, 'eu'));
  await store.insert(`${store.database}.lineage_v1`, lineage(50, 30, 'us'));
  expect(await migrate(store)).toEqual([4, 5, 6]);
});

afterAll(async () => {
  await store?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('upgrade to the rollup feed', () => {
  const insights = () => new InsightsStore(store);
  const totals = async (tenants: readonly string[] | 'all') =>
    (await insights().integrationFigures(window, tenants)).find((row) => row.source === undefined);
  const invoices = async () =>
    (
      await insights().businessFigures(
        {
          id: 'invoices',
          title: 'invoices',
          description: '',
          type: 'invoice.posted',
          aggregation: 'count',
          property: undefined,
          unit: 'invoices',
          currencyProperty: undefined,
          outcome: 'accepted',
          groupBy: [],
          periods: ['hour', 'day'],
        },
        { period: undefined, dimensions: [] },
        window,
        'all',
      )
    )[0]?.envelopes;

  it('starts the feed after what the view already counted', async () => {
    expect(await new RollupFeed(store).backlog()).toEqual({ blocks: 0, rows: 0 });
    expect(await invoices()).toBe(64);
  });

  it('backfills the per-tenant integration rollup from lineage', async () => {
    expect(await totals('all')).toMatchObject({ accepted: 64, rejected: 16 });
    expect(await totals(['us'])).toMatchObject({ accepted: 24, rejected: 6 });
  });

  it('counts what is written after the upgrade once the feed has run, and nothing twice', async () => {
    await store.insert(`${store.database}.lineage_v1`, lineage(80, 10, 'us'));
    expect(await invoices()).toBe(64);
    expect(await new RollupFeed(store).catchUp()).toBe(1);
    expect(await invoices()).toBe(72);
    expect(await totals(['us'])).toMatchObject({ accepted: 32, rejected: 8 });
  });
});

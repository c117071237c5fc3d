/**
 * The flow sealer on a real chDB: it builds a seal at start, keeps it through the day, builds the
 * next one after midnight and drops the one it replaced a check later.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FlowDefinition } from '@plumbline/core';
import {
  createLogger,
  InsightsStore,
  migrate,
  openChdbStore,
  type ClickHouseStore,
} from '@plumbline/platform';
import { startFlowSealer } from './flow-sealer';

const hour = 3_600_000;
const flow: FlowDefinition = {
  id: 'orders',
  title: 'Orders',
  description: '',
  owner: 'Test',
  sla: '10h',
  slaMs: 10 * hour,
  clock: 'received',
  startsWhen: {},
  steps: ['order.placed', 'order.shipped'].map((type, index) => ({
    index,
    type,
    title: type,
    sla: index === 0 ? undefined : '3h',
    slaMs: index === 0 ? undefined : 3 * hour,
    correlation: { by: 'correlation_id' as const },
  })),
};

let dir: string;
let store: ClickHouseStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plumbline-sealer-'));
  store = openChdbStore(dir, 'plumbline');
  await migrate(store);
});

afterAll(async () => {
  await store?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const sealsOf = async () =>
  (
    await store.query<{ seal: string }>(
      `SELECT seal FROM ${store.database}.flow_seals_v1 ORDER BY built_at`,
    )
  ).map((row) => row.seal);

it('seals at start, again after midnight, and drops the replaced seal a check later', async () => {
  let now = Date.parse('2026-05-06T10:00:00Z');
  const sealer = startFlowSealer({
    store: new InsightsStore(store, { feedMarginMs: 0 }),
    flows: [flow],
    logger: createLogger('silent'),
    checkEveryMs: 3_600_000,
    now: () => now,
  });
  try {
    await sealer.check();
    const first = sealer.current();
    expect(first).toBeDefined();
    expect(new Date(first!.sealedBefore).toISOString()).toBe('2026-05-05T00:00:00.000Z');
    now += 6 * hour;
    await sealer.check();
    expect(sealer.current()?.seal).toBe(first!.seal);

    now += 12 * hour; // past midnight
    await sealer.check();
    const second = sealer.current();
    expect(second?.seal).not.toBe(first!.seal);
    expect(new Date(second!.sealedBefore).toISOString()).toBe('2026-05-06T00:00:00.000Z');
    expect(await sealsOf()).toEqual([first!.seal, second!.seal]);
    await sealer.check();
    expect(await sealsOf()).toEqual([second!.seal]);
  } finally {
    await sealer.stop();
  }
});

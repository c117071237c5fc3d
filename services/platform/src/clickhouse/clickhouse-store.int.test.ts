/**
 * One store suite, two transports: chDB always; a ClickHouse server too when CLICKHOUSE_URL is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChdbStore } from './chdb-store';
import type { ClickHouseStore } from './clickhouse-store';
import { openHttpStore } from './http-store';
import { migrate, migrations } from './migrations';

const transports: [string, () => { store: ClickHouseStore; cleanup: () => void }][] = [
  [
    'chdb',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'plumbline-store-'));
      return {
        store: openChdbStore(dir, 'plumbline_test'),
        cleanup: () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  ],
];
const serverUrl = process.env.CLICKHOUSE_URL;
if (serverUrl !== undefined && serverUrl !== '') {
  transports.push([
    'http',
    () => ({ store: openHttpStore(serverUrl, `plumbline_test_${process.pid}`), cleanup: () => {} }),
  ]);
}

describe.each(transports)('ClickHouse store over %s', (_name, open) => {
  let store: ClickHouseStore;
  let cleanup: () => void;

  beforeAll(async () => {
    ({ store, cleanup } = open());
    await migrate(store);
  });
  afterAll(async () => {
    await store.command(`DROP DATABASE IF EXISTS ${store.database}`);
    await store.close();
    cleanup();
  });

  it('applies migrations once: a second run does nothing', async () => {
    expect(await migrate(store)).toEqual([]);
    const applied = await store.query<{ id: number }>(
      `SELECT id FROM ${store.database}.schema_migrations FINAL ORDER BY id`,
    );
    expect(applied.map((row) => Number(row.id))).toEqual(
      migrations.map((migration) => migration.id),
    );
  });

  it('inserts rows and reads them back with bound parameters, maps and millisecond times', async () => {
    const table = `${store.database}.lineage_v1`;
    const base = {
      envelope_id: 'e1',
      source: 'odoo',
      type: 'invoice.posted',
      contract_version: 1,
      outcome: 'accepted',
      tracked_num: { amount_total: 1250.5 },
      tracked_str: { currency: 'USD' },
      received_at: Date.UTC(2026, 2, 1, 10, 0, 0, 123),
      decided_at: Date.UTC(2026, 2, 1, 10, 0, 0, 150),
      event_time: Date.UTC(2026, 2, 1, 9, 59, 0),
    };
    await store.insert(table, [
      { ...base, envelope_key: 'odoo:e1' },
      { ...base, envelope_key: 'odoo:e1', decided_at: base.decided_at + 5 },
      { ...base, envelope_key: "odoo:it's", envelope_id: "it's" },
    ]);
    const rows = await store.query<{
      envelope_key: string;
      amount: number;
      currency: string;
      received_at: string;
    }>(
      `SELECT envelope_key, tracked_num['amount_total'] AS amount, tracked_str['currency'] AS currency, received_at
       FROM ${table} FINAL WHERE source = {source:String} ORDER BY envelope_key`,
      { source: 'odoo' },
    );
    expect(rows).toEqual([
      {
        envelope_key: 'odoo:e1',
        amount: 1250.5,
        currency: 'USD',
        received_at: '2026-03-01 10:00:00.123',
      },
      {
        envelope_key: "odoo:it's",
        amount: 1250.5,
        currency: 'USD',
        received_at: '2026-03-01 10:00:00.123',
      },
    ]);
  });

  it('inserts rows whose fields differ, each with its own fields and defaults for the rest', async () => {
    const table = `${store.database}.audit_log_v1`;
    await store.insert(table, [
      { at: Date.UTC(2026, 2, 1), actor: 'ana', action: 'mixed_rows', target: 'one' },
      { actor: 'ben', at: Date.UTC(2026, 2, 2), action: 'mixed_rows', reason: 'two' },
      { at: Date.UTC(2026, 2, 3), actor: 'cy', action: 'mixed_rows' },
    ]);
    const rows = await store.query<{ actor: string; target: string; reason: string }>(
      `SELECT actor, target, reason FROM ${table} WHERE action = 'mixed_rows' ORDER BY at`,
    );
    expect(rows).toEqual([
      { actor: 'ana', target: 'one', reason: '' },
      { actor: 'ben', target: '', reason: 'two' },
      { actor: 'cy', target: '', reason: '' },
    ]);
  });

  it('runs statements side by side: a slow query does not hold up an insert', async () => {
    let slowDone = false;
    const slow = store.query('SELECT sleep(2)').then(() => (slowDone = true));
    await store.insert(`${store.database}.audit_log_v1`, [
      { at: Date.now(), actor: 'test', action: 'side_by_side' },
    ]);
    expect(slowDone).toBe(false);
    await slow;
  });

  it('rejects bad SQL with an error instead of an empty result', async () => {
    await expect(store.query('SELECT nope FROM nowhere')).rejects.toThrow();
  });
});

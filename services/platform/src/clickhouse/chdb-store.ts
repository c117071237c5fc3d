import { mkdirSync } from 'node:fs';
import { Session } from 'chdb';
import type { ClickHouseStore, QueryParams } from './clickhouse-store';

/**
 * chDB: the ClickHouse engine in-process. One data directory per process (an engine limit);
 * queries run off the event loop.
 */
export function openChdbStore(path: string, database: string): ClickHouseStore {
  mkdirSync(path, { recursive: true });
  const session = new Session(path);
  const run = (sql: string, params: QueryParams | undefined, format: string) =>
    params === undefined || Object.keys(params).length === 0
      ? session.queryAsync(sql, { format })
      : session.queryBindAsync(sql, params, { format });
  return {
    transport: 'chdb',
    database,
    async command(sql, params) {
      await run(sql, params, 'TabSeparated');
    },
    async query<Row>(sql: string, params?: QueryParams) {
      const text = (await run(sql, params, 'JSONEachRow')).text();
      return parseJsonEachRow<Row>(text);
    },
    async insert(table, rows) {
      if (rows.length === 0) return;
      const body = rows.map((row) => JSON.stringify(row)).join('\n');
      await session.insert({ table, values: Buffer.from(body), format: 'JSONEachRow' });
    },
    close() {
      session.close();
      return Promise.resolve();
    },
  };
}

export function parseJsonEachRow<Row>(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of text.split('\n')) {
    if (line.length > 0) rows.push(JSON.parse(line) as Row);
  }
  return rows;
}

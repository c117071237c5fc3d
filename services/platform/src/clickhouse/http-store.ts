import { createClient } from '@clickhouse/client';
import type { ClickHouseStore, QueryParams } from './clickhouse-store';

/** A ClickHouse server or cluster over HTTP, via the official client. */
export function openHttpStore(url: string, database: string): ClickHouseStore {
  const client = createClient({ url, request_timeout: 60_000 });
  return {
    transport: 'http',
    database,
    async command(sql, params) {
      await client.command({ query: sql, ...(params ? { query_params: { ...params } } : {}) });
    },
    async query<Row>(sql: string, params?: QueryParams) {
      const result = await client.query({
        query: sql,
        format: 'JSONEachRow',
        ...(params ? { query_params: { ...params } } : {}),
      });
      return result.json<Row>();
    },
    async insert(table, rows) {
      if (rows.length === 0) return;
      await client.insert({ table, values: [...rows], format: 'JSONEachRow' });
    },
    close() {
      return client.close();
    },
  };
}

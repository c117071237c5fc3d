/**
 * One store interface with two transports behind it: the embedded chDB engine (default) and a
 * ClickHouse server over HTTP (`CLICKHOUSE_URL`). Same SQL, same query parameters
 * (`{name:Type}`), rows as JSONEachRow both ways.
 */
export type QueryParams = Readonly<Record<string, unknown>>;

export interface ClickHouseStore {
  readonly transport: 'chdb' | 'http';
  /** Database that holds Plumbline's tables. */
  readonly database: string;
  /** A statement with no result (DDL, ALTER, INSERT … SELECT). */
  command(sql: string, params?: QueryParams): Promise<void>;
  query<Row>(sql: string, params?: QueryParams): Promise<Row[]>;
  /** Inserts rows (one object per row, keyed by column); resolves only when they are written. */
  insert(table: string, rows: readonly object[]): Promise<void>;
  close(): Promise<void>;
}

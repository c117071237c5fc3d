// Public surface of @plumbline/platform: adapters for NATS and ClickHouse, config, logging.
export * from './config/config';
export * from './logging/logger';
export * from './nats/connect';
export * from './nats/local-nats-server';
export * from './nats/topology';
export * from './nats/kv-mirror';
export * from './nats/contract-store';
export * from './nats/policy-store';
export * from './clickhouse/clickhouse-store';
export * from './clickhouse/chdb-store';
export * from './clickhouse/http-store';
export * from './clickhouse/migrations';
export * from './clickhouse/open-store';
export * from './files/contract-files';
export * from './files/sync-contracts';
export * from './files/policy-files';
export * from './nats/batch-publisher';

import type { ClickHouseStore } from './clickhouse-store';
import {
  flowSealStateStatements,
  flowSealStatements,
  insightsRollupStatements,
  rollupFeedStatements,
} from './insights-rollups';

/**
 * Numbered, idempotent migrations. Table names carry a version (`lineage_v1`): a change that
 * cannot be made in place creates `_v2` and moves readers over, never rewrites `_v1`.
 * `{db}` is replaced by the configured database name.
 */
export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly statements: readonly string[];
}

export const migrations: readonly Migration[] = [
  {
    id: 1,
    name: 'lineage and audit log',
    statements: [
      `CREATE TABLE IF NOT EXISTS {db}.lineage_v1 (
        envelope_key String COMMENT 'source:id, the envelope identity; stream:<seq> when unparseable',
        envelope_id String,
        source LowCardinality(String),
        type LowCardinality(String),
        contract_version UInt32 COMMENT '0 when no contract was resolved',
        outcome LowCardinality(String) COMMENT 'accepted | rejected | delayed',
        reason LowCardinality(String) COMMENT 'empty when accepted',
        reason_detail String,
        errors String COMMENT 'JSON array of validation errors (pointer, message)',
        deprecated Bool,
        business_key String,
        tracked_num Map(LowCardinality(String), Float64),
        tracked_str Map(LowCardinality(String), String),
        correlation_id String,
        causation_id String,
        tenant LowCardinality(String),
        region LowCardinality(String),
        subject String,
        event_time DateTime64(3, 'UTC'),
        received_at DateTime64(3, 'UTC') COMMENT 'INGEST stream timestamp: stable across redeliveries',
        decided_at DateTime64(3, 'UTC'),
        latency_ms UInt32,
        size_bytes UInt32,
        delivery UInt16,
        ingest_seq UInt64,
        output_stream LowCardinality(String),
        output_seq UInt64,
        worker_id LowCardinality(String),
        replay_of String,
        replay_job String
      )
      ENGINE = ReplacingMergeTree(decided_at)
      PARTITION BY toYYYYMM(received_at)
      ORDER BY (type, envelope_key)
      COMMENT 'One row per envelope (latest decision wins on merge; read with FINAL for exact counts)'`,
      `CREATE TABLE IF NOT EXISTS {db}.audit_log_v1 (
        at DateTime64(3, 'UTC'),
        actor String,
        role LowCardinality(String),
        action LowCardinality(String),
        target String,
        before String,
        after String,
        reason String,
        request_id String
      )
      ENGINE = MergeTree
      ORDER BY (at, action)`,
    ],
  },
  {
    id: 2,
    name: 'dead-letter index and problem triage',
    statements: [
      `CREATE TABLE IF NOT EXISTS {db}.dead_letters_v1 (
        seq UInt64 COMMENT 'DEADLETTER stream sequence: the identity of a dead letter',
        envelope_key String,
        envelope_id String,
        ingest_subject String,
        ingest_seq UInt64,
        source LowCardinality(String),
        type LowCardinality(String),
        contract_version UInt32,
        reason LowCardinality(String),
        detail String,
        errors String COMMENT 'JSON array of validation errors (pointer, message); never holds values',
        problem_key String COMMENT 'reason|type|first error pointer: one cause, one problem',
        business_key String COMMENT 'hashed when the contract marks it sensitive',
        correlation_id String,
        tenant LowCardinality(String),
        region LowCardinality(String),
        received_at DateTime64(3, 'UTC'),
        dead_lettered_at DateTime64(3, 'UTC'),
        size_bytes UInt32,
        state LowCardinality(String) COMMENT 'open | replayed | resolved | expired',
        state_reason String,
        state_changed_at DateTime64(3, 'UTC'),
        state_changed_by String,
        replay_job_id String,
        replayed_as String,
        replay_of String,
        from_replay_job String,
        auto_retry_attempt UInt16,
        INDEX detail_tokens lower(detail) TYPE tokenbf_v1(8192, 3, 0) GRANULARITY 4
      )
      ENGINE = ReplacingMergeTree(state_changed_at)
      PARTITION BY toYYYYMM(dead_lettered_at)
      ORDER BY (reason, type, seq)
      COMMENT 'One row per dead letter, latest state wins; the bytes stay in the DEADLETTER stream'`,
      `CREATE TABLE IF NOT EXISTS {db}.problem_triage_v1 (
        problem_key String,
        state LowCardinality(String) COMMENT 'open | acknowledged | resolved | ignored',
        note String,
        changed_by String,
        changed_at DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree(changed_at)
      ORDER BY problem_key`,
    ],
  },
  {
    id: 3,
    name: 'flow and KPI rollups',
    // Long: materialized views and their tables, each explained in insights-rollups.ts.
    statements: insightsRollupStatements,
  },
  {
    id: 4,
    name: 'rollups fed off the insert path; hourly business and per-tenant integration rollups',
    statements: rollupFeedStatements,
  },
  {
    id: 5,
    name: 'sealed flow instances',
    statements: flowSealStatements,
  },
  {
    id: 6,
    name: 'sealed flow instance states',
    statements: flowSealStateStatements,
  },
];

/** Applies the migrations not yet applied, in order; `upTo` stops early (tests of an upgrade). */
export async function migrate(store: ClickHouseStore, upTo = Infinity): Promise<number[]> {
  const db = store.database;
  await store.command(`CREATE DATABASE IF NOT EXISTS ${db}`);
  await store.command(
    `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (id UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
     ENGINE = ReplacingMergeTree ORDER BY id`,
  );
  const applied = new Set(
    (await store.query<{ id: number }>(`SELECT id FROM ${db}.schema_migrations FINAL`)).map((row) =>
      Number(row.id),
    ),
  );
  const ran: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.id) || migration.id > upTo) continue;
    for (const statement of migration.statements) {
      await store.command(statement.replaceAll('{db}', db));
    }
    await store.insert(`${db}.schema_migrations`, [{ id: migration.id, name: migration.name }]);
    ran.push(migration.id);
  }
  return ran;
}

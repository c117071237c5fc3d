import { ErrorCode, PlumblineError } from '@plumbline/core';
import type { IngestResumeFrom } from '../nats/topology';

/** Everything Plumbline reads from the environment, parsed once and passed down. */
export interface PlumblineConfig {
  /** An existing NATS server or cluster; when absent `plumbline start` runs a local nats-server. */
  readonly natsUrl: string | undefined;
  /**
   * NKey user seed file for an existing NATS_URL that requires authentication. The local server
   * Plumbline runs always requires it and uses `<dataDir>/nats/credentials/plumbline.nk`.
   */
  readonly natsNkeySeedFile: string | undefined;
  /** A ClickHouse server (HTTP interface); when absent the embedded chDB engine is used. */
  readonly clickhouseUrl: string | undefined;
  readonly clickhouseDatabase: string;
  readonly dataDir: string;
  readonly port: number;
  readonly host: string;
  readonly demo: boolean;
  /** Worker tuning. */
  readonly worker: {
    readonly batchSize: number;
    readonly batchLingerMs: number;
    /** Most bytes of messages a worker holds (taken from INGEST, not yet acked or given back). */
    readonly maxHeldBytes: number;
    /** Least time between two lineage inserts while fewer than a batch of rows wait. */
    readonly lineageIntervalMs: number;
    readonly maxDeliveries: number;
  };
  /**
   * Partitions of INGEST by source (1: not cut). Above 1, each partition is governed by one
   * worker at a time, so rate limits stay exact across workers.
   */
  readonly ingestPartitions: number;
  /**
   * How long a partition's lease outlives a worker that stopped renewing it: how soon the other
   * workers take over a dead worker's partitions.
   */
  readonly ingestPartitionLeaseMs: number;
  /**
   * Where to recreate a governance consumer that is missing while INGEST holds messages: `'all'`
   * or an INGEST sequence. Unset, such a consumer is not recreated (it was deleted by hand).
   */
  readonly ingestResumeFrom: IngestResumeFrom | undefined;
  /** GitOps sources loaded at start: contracts and policies. */
  readonly schemasDir: string;
  readonly policiesDir: string;
  /** Port of the local nats-server that `plumbline start` runs when NATS_URL is unset. */
  readonly natsPort: number;
  /** How long the DEADLETTER stream keeps the original bytes; past it a dead letter expires. */
  readonly deadLetterRetentionDays: number;
  /** How often open dead letters of transient causes are checked for an automatic retry. */
  readonly retrySweepMs: number;
  /** API requests per second allowed to one access token (burst: twice as many). */
  readonly apiRatePerSecond: number;
  /** How often the worker process moves new lineage into the flow and KPI rollups. */
  readonly rollupIntervalMs: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Pure: validates every variable and fails listing all problems at once.
 * The only reader of `process.env` is the caller that passes it in.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): PlumblineConfig {
  const problems: string[] = [];

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
      return fallback;
    }
    return value;
  };
  const url = (name: string, protocols: readonly string[]): string | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    for (const part of raw.split(',')) {
      try {
        const parsed = new URL(part.trim());
        if (!protocols.includes(parsed.protocol)) {
          problems.push(`${name} must use ${protocols.join(' or ')}, got '${parsed.protocol}'`);
        }
      } catch {
        problems.push(`${name} is not a URL: '${part}'`);
      }
    }
    return raw;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    problems.push(`${name} must be 0 or 1, got '${raw}'`);
    return fallback;
  };

  const resumeFrom = (raw: string | undefined): IngestResumeFrom | undefined => {
    if (raw === undefined || raw === '') return undefined;
    if (raw === 'all') return 'all';
    const seq = Number(raw);
    if (Number.isSafeInteger(seq) && seq >= 1) return seq;
    problems.push(
      `PLUMBLINE_INGEST_RESUME_FROM must be 'all' or an INGEST sequence (1 or more), got '${raw}'`,
    );
    return undefined;
  };

  const rawLevel = env.PLUMBLINE_LOG_LEVEL ?? 'info';
  const logLevel = logLevels.find((level) => level === rawLevel);
  if (logLevel === undefined)
    problems.push(`PLUMBLINE_LOG_LEVEL must be one of ${logLevels.join(', ')}`);

  const database = env.CLICKHOUSE_DATABASE ?? 'plumbline';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(database)) {
    problems.push(`CLICKHOUSE_DATABASE must be a plain identifier, got '${database}'`);
  }

  const config: PlumblineConfig = {
    natsUrl: url('NATS_URL', ['nats:', 'tls:', 'ws:', 'wss:']),
    natsNkeySeedFile: env.NATS_NKEY_SEED_FILE || undefined,
    clickhouseUrl: url('CLICKHOUSE_URL', ['http:', 'https:']),
    clickhouseDatabase: database,
    dataDir: env.PLUMBLINE_DATA_DIR ?? 'data',
    port: integer('PLUMBLINE_PORT', 8420, 0, 65535),
    host: env.PLUMBLINE_HOST ?? '127.0.0.1',
    demo: flag('PLUMBLINE_DEMO', true),
    worker: {
      batchSize: integer('PLUMBLINE_WORKER_BATCH', 5_000, 1, 10_000),
      batchLingerMs: integer('PLUMBLINE_WORKER_LINGER_MS', 20, 0, 5_000),
      maxHeldBytes: integer('PLUMBLINE_WORKER_MAX_HELD_MB', 256, 16, 65_536) * 1024 * 1024,
      lineageIntervalMs: integer('PLUMBLINE_WORKER_LINEAGE_INTERVAL_MS', 200, 0, 10_000),
      maxDeliveries: integer('PLUMBLINE_WORKER_MAX_DELIVERIES', 5, 1, 1_000),
    },
    ingestPartitions: integer('PLUMBLINE_INGEST_PARTITIONS', 1, 1, 64),
    ingestPartitionLeaseMs: integer('PLUMBLINE_INGEST_PARTITION_LEASE_MS', 15_000, 1_000, 600_000),
    ingestResumeFrom: resumeFrom(env.PLUMBLINE_INGEST_RESUME_FROM),
    logLevel: logLevel ?? 'info',
    schemasDir: env.PLUMBLINE_SCHEMAS_DIR ?? 'schemas',
    policiesDir: env.PLUMBLINE_POLICIES_DIR ?? 'policies',
    natsPort: integer('PLUMBLINE_NATS_PORT', 4222, 1, 65535),
    apiRatePerSecond: integer('PLUMBLINE_API_RATE', 50, 1, 100_000),
    deadLetterRetentionDays: integer('PLUMBLINE_DLQ_RETENTION_DAYS', 30, 1, 3_650),
    retrySweepMs: integer('PLUMBLINE_RETRY_SWEEP_MS', 10_000, 100, 3_600_000),
    rollupIntervalMs: integer('PLUMBLINE_ROLLUP_INTERVAL_MS', 5_000, 50, 600_000),
  };
  if (problems.length > 0) {
    throw new PlumblineError(
      ErrorCode.InvalidConfig,
      `invalid configuration:\n  - ${problems.join('\n  - ')}`,
      { details: { problems } },
    );
  }
  return config;
}

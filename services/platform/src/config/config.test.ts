import { describe, expect, it } from 'vitest';
import { isPlumblineError } from '@plumbline/core';
import { loadConfig } from './config';

describe('loadConfig', () => {
  it('has working defaults for a fresh machine', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      natsUrl: undefined,
      clickhouseUrl: undefined,
      port: 8420,
      host: '127.0.0.1',
      demo: true,
      dataDir: 'data',
      clickhouseDatabase: 'plumbline',
      worker: {
        batchSize: 5_000,
        batchLingerMs: 20,
        maxHeldBytes: 256 * 1024 * 1024,
        lineageIntervalMs: 200,
        maxDeliveries: 5,
      },
      ingestPartitions: 1,
      ingestPartitionLeaseMs: 15_000,
      ingestResumeFrom: undefined,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      NATS_URL: 'nats://a:4222,nats://b:4222',
      CLICKHOUSE_URL: 'http://ch:8123',
      PLUMBLINE_PORT: '9000',
      PLUMBLINE_DEMO: '0',
      PLUMBLINE_WORKER_BATCH: '100',
      PLUMBLINE_WORKER_LINEAGE_INTERVAL_MS: '0',
      PLUMBLINE_WORKER_MAX_HELD_MB: '64',
      PLUMBLINE_INGEST_PARTITIONS: '8',
      PLUMBLINE_INGEST_PARTITION_LEASE_MS: '5000',
      PLUMBLINE_INGEST_RESUME_FROM: '4200',
    });
    expect(config).toMatchObject({
      ingestPartitions: 8,
      ingestPartitionLeaseMs: 5_000,
      ingestResumeFrom: 4_200,
    });
    expect(loadConfig({ PLUMBLINE_INGEST_RESUME_FROM: 'all' }).ingestResumeFrom).toBe('all');
    expect(config.natsUrl).toBe('nats://a:4222,nats://b:4222');
    expect(config.clickhouseUrl).toBe('http://ch:8123');
    expect(config.port).toBe(9000);
    expect(config.demo).toBe(false);
    expect(config.worker).toMatchObject({
      batchSize: 100,
      lineageIntervalMs: 0,
      maxHeldBytes: 64 * 1024 * 1024,
    });
  });

  it('lists every problem at once, with a stable code', () => {
    try {
      loadConfig({
        PLUMBLINE_PORT: 'eighty',
        NATS_URL: 'http://x',
        PLUMBLINE_DEMO: 'maybe',
        CLICKHOUSE_DATABASE: 'a;drop',
        PLUMBLINE_INGEST_PARTITIONS: '0',
        PLUMBLINE_INGEST_RESUME_FROM: 'latest',
      });
      expect.unreachable();
    } catch (error) {
      expect(isPlumblineError(error) && error.code).toBe('invalid_config');
      const message = error instanceof Error ? error.message : '';
      expect(message).toContain('PLUMBLINE_PORT');
      expect(message).toContain('NATS_URL');
      expect(message).toContain('PLUMBLINE_DEMO');
      expect(message).toContain('CLICKHOUSE_DATABASE');
      expect(message).toContain('PLUMBLINE_INGEST_PARTITIONS must be an integer from 1 to 64');
      expect(message).toContain(
        "PLUMBLINE_INGEST_RESUME_FROM must be 'all' or an INGEST sequence (1 or more), got 'latest'",
      );
    }
  });
});

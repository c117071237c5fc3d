import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import {
  loadGitOpsSources,
  openInfrastructure,
  startWorker,
  type Infrastructure,
} from '@plumbline/cli';
import { ContractStore, PolicyStore, RollupFeed, loadConfig } from '@plumbline/platform';
import type { GovernanceRuntime } from '@plumbline/governance';
import type { LineageRow } from '@plumbline/core';
import { repoRoot } from './repo';
import { startTestNats, type TestNats } from './test-nats';

export interface TestPlumbline {
  readonly infra: Infrastructure;
  readonly nats: TestNats;
  readonly js: JetStreamClient;
  readonly workers: GovernanceRuntime[];
  readonly contracts: ContractStore;
  readonly policies: PolicyStore;
  readonly dataDir: string;
  /** Publishes raw bytes to INGEST as a connector would. */
  publish(
    subject: string,
    body: Uint8Array | string,
    msgId?: string,
    headers?: Record<string, string>,
  ): Promise<void>;
  /** Lineage rows (deduplicated view), filtered by a SQL condition. */
  lineage(where?: string, params?: Record<string, unknown>): Promise<LineageRow[]>;
  /** Waits until `count` lineage rows match `where`. */
  waitForLineage(
    count: number,
    where?: string,
    params?: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<LineageRow[]>;
  /** Waits until the flow and KPI rollups hold every lineage row written so far. */
  waitForRollups(timeoutMs?: number): Promise<void>;
  /** Messages currently in a stream whose subject matches `filter`. */
  streamMessages(
    stream: string,
    filter: string,
  ): Promise<{ seq: number; subject: string; data: string; headers: Record<string, string> }[]>;
  stop(): Promise<void>;
}

export interface TestPlumblineOptions {
  readonly workers?: number;
  /** INGEST cut into this many partitions (the server maps subjects; workers claim them). */
  readonly ingestPartitions?: number;
  readonly env?: Record<string, string>;
}

/** The real thing: nats-server, chDB, the repo's contracts and policies, N workers in-process. */
export async function startTestPlumbline(
  options: TestPlumblineOptions = {},
): Promise<TestPlumbline> {
  const nats = await startTestNats({ ingestPartitions: options.ingestPartitions ?? 1 });
  const dataDir = mkdtempSync(join(tmpdir(), 'plumbline-data-'));
  const root = repoRoot();
  const config = loadConfig({
    NATS_URL: nats.url,
    PLUMBLINE_DATA_DIR: dataDir,
    PLUMBLINE_SCHEMAS_DIR: join(root, 'schemas'),
    PLUMBLINE_POLICIES_DIR: join(root, 'policies'),
    PLUMBLINE_LOG_LEVEL: process.env.PLUMBLINE_TEST_LOG_LEVEL ?? 'silent',
    PLUMBLINE_WORKER_LINGER_MS: '5',
    PLUMBLINE_API_RATE: '1000',
    PLUMBLINE_ROLLUP_INTERVAL_MS: '100',
    PLUMBLINE_INGEST_PARTITIONS: String(options.ingestPartitions ?? 1),
    ...options.env,
  });
  const infra = await openInfrastructure(config);
  await loadGitOpsSources(infra);
  const workers: GovernanceRuntime[] = [];
  for (let i = 0; i < (options.workers ?? 1); i += 1)
    workers.push(await startWorker(infra, `test-worker-${i}`));
  const js = jetstream(infra.nc);
  const table = `${infra.store.database}.lineage_v1`;

  const lineage = (where = '1', params: Record<string, unknown> = {}) =>
    infra.store.query<LineageRow>(
      `SELECT * FROM ${table} FINAL WHERE ${where} ORDER BY ingest_seq`,
      params,
    );

  return {
    infra,
    nats,
    js,
    workers,
    contracts: new ContractStore(infra.buckets.contracts),
    policies: new PolicyStore(infra.buckets.policies),
    dataDir,
    async publish(subject, body, msgId, headers = {}) {
      const h = natsHeaders();
      for (const [key, value] of Object.entries(headers)) h.set(key, value);
      await js.publish(subject, body, {
        ...(msgId === undefined ? {} : { msgID: msgId }),
        headers: h,
      });
    },
    lineage,
    async waitForLineage(count, where = '1', params = {}, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const rows = await lineage(where, params);
        if (rows.length >= count) return rows;
        if (Date.now() > deadline) {
          throw new Error(
            `timed out waiting for ${count} lineage rows where ${where}; have ${rows.length}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async waitForRollups(timeoutMs = 20_000) {
      const feed = new RollupFeed(infra.store);
      const deadline = Date.now() + timeoutMs;
      while ((await feed.backlog()).blocks > 0) {
        if (Date.now() > deadline) throw new Error('timed out waiting for the rollup feed');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async streamMessages(stream, filter) {
      const jsm = await jetstreamManager(infra.nc);
      const info = await jsm.streams.info(stream);
      const out: { seq: number; subject: string; data: string; headers: Record<string, string> }[] =
        [];
      for (
        let seq = info.state.first_seq;
        seq <= info.state.last_seq && info.state.messages > 0;
        seq += 1
      ) {
        const message = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
        if (message === null || !subjectMatches(filter, message.subject)) continue;
        const headers: Record<string, string> = {};
        for (const [key, values] of message.header ?? []) headers[key] = values.join(',');
        out.push({ seq, subject: message.subject, data: message.string(), headers });
      }
      return out;
    },
    async stop() {
      for (const worker of workers) await worker.stop();
      await infra.close();
      await nats.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i += 1) {
    if (f[i] === '>') return s.length > i;
    if (f[i] !== '*' && f[i] !== s[i]) return false;
  }
  return f.length === s.length;
}

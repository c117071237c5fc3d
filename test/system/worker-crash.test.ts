/**
 * A worker process killed mid-batch (SIGKILL, no cleanup) loses nothing and counts nothing twice:
 * a second worker picks up the unacked messages; lineage, GOVERNED and DEADLETTER agree exactly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { loadGitOpsSources, openInfrastructure } from '@plumbline/cli';
import { createDemoTraffic } from '@plumbline/connectors';
import {
  GovernanceConsumer,
  Streams,
  connectNats,
  loadConfig,
  openStore,
  type LocalNatsServer,
} from '@plumbline/platform';
import { repoRoot } from '../support/repo';
import { startTestNats } from '../support/test-nats';

const total = 4_000;
let nats: LocalNatsServer;
let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  nats = await startTestNats();
  dataDir = mkdtempSync(join(tmpdir(), 'plumbline-crash-'));
  const root = repoRoot();
  env = {
    NATS_URL: nats.url,
    PLUMBLINE_DATA_DIR: dataDir,
    PLUMBLINE_SCHEMAS_DIR: join(root, 'schemas'),
    PLUMBLINE_POLICIES_DIR: join(root, 'policies'),
    PLUMBLINE_LOG_LEVEL: 'warn',
    PLUMBLINE_WORKER_BATCH: '100',
  };
  const infra = await openInfrastructure(loadConfig(env));
  await loadGitOpsSources(infra);
  await infra.close();
});

afterAll(async () => {
  await nats?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function startWorkerProcess(): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot(), 'services/cli/src/main.ts'), 'worker'],
    {
      cwd: repoRoot(),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null
      ? resolve()
      : child.once('exit', () => resolve()),
  );

it('a worker killed mid-batch: no loss, no double count after restart', async () => {
  const nc = await connectNats(nats.url, 'crash-test');
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const traffic = createDemoTraffic({ seed: 99 });
  const publishes = [];
  for (let i = 0; i < total; i += 1) {
    const message = traffic.next();
    publishes.push(js.publish(message.subject, message.body, { msgID: message.msgId }));
  }
  await Promise.all(publishes);

  const consumerState = () => jsm.consumers.info(Streams.Ingest, GovernanceConsumer);
  const first = startWorkerProcess();
  const deadline = Date.now() + 60_000;
  while ((await consumerState()).ack_floor.stream_seq < total / 4) {
    if (Date.now() > deadline || first.exitCode !== null)
      throw new Error('first worker made no progress');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  first.kill('SIGKILL');
  await exited(first);
  const atKill = await consumerState();
  expect(atKill.ack_floor.stream_seq).toBeLessThan(total);

  const second = startWorkerProcess();
  for (;;) {
    const state = await consumerState();
    if (state.num_pending === 0 && state.num_ack_pending === 0) break;
    if (Date.now() > deadline + 60_000 || second.exitCode !== null)
      throw new Error('second worker did not finish');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  second.kill('SIGTERM');
  await exited(second);

  const governed = (await jsm.streams.info(Streams.Governed)).state.messages;
  const deadLettered = (await jsm.streams.info(Streams.DeadLetter)).state.messages;
  await nc.drain();
  const store = await openStore(loadConfig(env));
  try {
    const count = async (where: string) => {
      const [row] = await store.query<{ n: string }>(
        `SELECT count() AS n FROM ${store.database}.lineage_v1 FINAL WHERE ${where}`,
      );
      return Number(row?.n);
    };
    expect(await count('1')).toBe(total);
    expect(await count("outcome = 'accepted'")).toBe(governed);
    expect(await count("outcome = 'rejected'")).toBe(deadLettered);
    expect(governed + deadLettered).toBe(total);
  } finally {
    await store.close();
  }
});

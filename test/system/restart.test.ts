/** A restart keeps all data: lineage in chDB, contracts in KV, messages in JetStream. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { jetstream } from '@nats-io/jetstream';
import { loadGitOpsSources, openInfrastructure, startWorker } from '@plumbline/cli';
import { loadConfig } from '@plumbline/platform';
import { encode, ingestSubject, validEnvelope } from '../support/envelopes';
import { repoRoot } from '../support/repo';
import { freePort } from '@plumbline/platform';

const dataDir = mkdtempSync(join(tmpdir(), 'plumbline-restart-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('a stopped and restarted Plumbline (local nats-server, chDB) still has its data', async () => {
  const root = repoRoot();
  const config = loadConfig({
    PLUMBLINE_DATA_DIR: dataDir,
    PLUMBLINE_NATS_PORT: String(await freePort()),
    PLUMBLINE_SCHEMAS_DIR: join(root, 'schemas'),
    PLUMBLINE_POLICIES_DIR: join(root, 'policies'),
    PLUMBLINE_LOG_LEVEL: 'silent',
  });
  const envelope = validEnvelope('invoice.posted');
  const table = 'plumbline.lineage_v1';

  const first = await openInfrastructure(config);
  const firstSync = await loadGitOpsSources(first);
  expect(firstSync.registered.length).toBeGreaterThan(20);
  const worker = await startWorker(first);
  await jetstream(first.nc).publish(ingestSubject(envelope), encode(envelope), {
    msgID: `odoo:${envelope.id}`,
  });
  const deadline = Date.now() + 10_000;
  while (
    (
      await first.store.query(`SELECT 1 FROM ${table} WHERE envelope_id = {id:String}`, {
        id: envelope.id,
      })
    ).length === 0
  ) {
    if (Date.now() > deadline) throw new Error('envelope not processed');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await worker.stop();
  await first.close();

  const second = await openInfrastructure(config);
  try {
    const secondSync = await loadGitOpsSources(second);
    expect(secondSync.registered).toEqual([]);
    expect(secondSync.unchanged.length).toBe(firstSync.registered.length);
    const rows = await second.store.query<{ outcome: string }>(
      `SELECT outcome FROM ${table} FINAL WHERE envelope_id = {id:String}`,
      { id: envelope.id },
    );
    expect(rows).toEqual([{ outcome: 'accepted' }]);
  } finally {
    await second.close();
  }
});

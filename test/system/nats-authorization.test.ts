/**
 * Least privilege at the broker: the nats-server authorization generated from
 * policies/ownership.yaml lets a connector publish only its own types to INGEST. The broker itself
 * refuses anything else, before any worker sees it. And `openInfrastructure` without NATS_URL
 * runs its local server with that authorization.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInfrastructure } from '@plumbline/cli';
import { connectorInboxPrefix } from '@plumbline/core';
import {
  connectNats,
  credentialsDir,
  ensureTopology,
  freePort,
  loadConfig,
  natsAuthorization,
  readNatsSeed,
  readPolicyFiles,
  startLocalNatsServer,
  type LocalNatsServer,
  type NatsAuthorization,
  type NatsConnection,
} from '@plumbline/platform';
import { encode, validEnvelope } from '../support/envelopes';
import { runCli } from '../support/cli';
import { repoRoot } from '../support/repo';

const dir = mkdtempSync(join(tmpdir(), 'plumbline-nats-auth-'));
let server: LocalNatsServer;
let authorization: NatsAuthorization;
let plumbline: NatsConnection;
const connections: NatsConnection[] = [];

const connector = async (source: string) => {
  const entry = authorization.connectors.find((candidate) => candidate.source === source)!;
  const nc = await connectNats(server.url, `connector-${source}`, {
    nkeySeed: entry.identity.seed,
    inboxPrefix: entry.inboxPrefix,
  });
  connections.push(nc);
  return nc;
};

/** Publishes as the given connection; resolves to 'acked' or the broker's refusal. */
async function tryPublish(nc: NatsConnection, subject: string, body: Uint8Array): Promise<string> {
  try {
    await jetstream(nc).publish(subject, body, { timeout: 2_000 });
    return 'acked';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

beforeAll(async () => {
  const { ownership } = await readPolicyFiles(join(repoRoot(), 'policies'));
  authorization = natsAuthorization(join(dir, 'credentials'), ownership);
  server = await startLocalNatsServer({
    storeDir: join(dir, 'store'),
    port: 0,
    authorization: authorization.config,
  });
  plumbline = await connectNats(server.url, 'plumbline', {
    nkeySeed: authorization.plumbline.seed,
  });
  await ensureTopology(plumbline, await jetstreamManager(plumbline));
});
afterAll(async () => {
  for (const nc of connections) await nc.close();
  await plumbline?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('generated NATS authorization', () => {
  it('keeps every seed in its own owner-only file, and only public keys in the config', () => {
    expect(statSync(authorization.plumbline.seedFile).mode & 0o777).toBe(0o600);
    for (const entry of authorization.connectors) {
      expect(statSync(entry.identity.seedFile).mode & 0o777).toBe(0o600);
      expect(authorization.config).toContain(entry.identity.publicKey);
      expect(authorization.config).not.toContain(new TextDecoder().decode(entry.identity.seed));
    }
  });

  it('a connector publishes its own type to INGEST and gets the PubAck', async () => {
    const envelope = validEnvelope('timesheet.approved');
    expect(
      await tryPublish(
        await connector('payroll'),
        'ingest.payroll.timesheet.approved',
        encode(envelope),
      ),
    ).toBe('acked');
  });

  it('the broker refuses a connector publishing another system’s type, under any source', async () => {
    const payroll = await connector('payroll');
    const envelope = validEnvelope('invoice.posted');
    for (const subject of ['ingest.payroll.invoice.posted', 'ingest.odoo.invoice.posted']) {
      const outcome = await tryPublish(payroll, subject, encode(envelope));
      expect(outcome, subject).toMatch(/permissions violation/i);
    }
    const jsm = await jetstreamManager(plumbline);
    const stored = await jsm.streams.getMessage('INGEST', {
      last_by_subj: 'ingest.*.invoice.posted',
    });
    expect(stored).toBeNull();
  });

  it('a connector cannot read streams, buckets or other systems’ traffic', async () => {
    const crm = await connector('crm');
    const errors: string[] = [];
    const watch = (async () => {
      for await (const status of crm.status())
        if (status.type === 'error') errors.push(String(status.error));
    })();
    crm.subscribe('gov.>');
    crm.subscribe('$KV.plumbline_tokens.>');
    await crm.flush();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(errors.join('\n')).toMatch(/permissions violation for subscription to "gov\.>"/i);
    await expect(jetstreamManager(crm).then((jsm) => jsm.streams.info('INGEST'))).rejects.toThrow();
    void watch;
  });

  it('refuses a client without credentials', async () => {
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow(
      /authorization violation/i,
    );
  });
});

/** `openInfrastructure` without NATS_URL: Plumbline's own nats-server on a free port. */
async function openLocal(dataDir: string, env: Record<string, string> = {}) {
  const port = await freePort();
  const infra = await openInfrastructure(
    loadConfig({
      PLUMBLINE_DATA_DIR: dataDir,
      PLUMBLINE_NATS_PORT: String(port),
      PLUMBLINE_POLICIES_DIR: join(repoRoot(), 'policies'),
      PLUMBLINE_LOG_LEVEL: 'silent',
      ...env,
    }),
  );
  return { infra, port };
}

describe('openInfrastructure without NATS_URL', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'plumbline-local-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts its local nats-server with the generated authorization and connects with its own seed', async () => {
    const { infra, port } = await openLocal(dataDir);
    try {
      expect(infra.natsUrl).toBe(`nats://127.0.0.1:${port}`);
      await expect(connect({ servers: infra.natsUrl, reconnect: false })).rejects.toThrow(
        /authorization violation/i,
      );
      const seedFile = join(credentialsDir(dataDir), 'connectors', 'fieldservice.nk');
      expect(statSync(seedFile).mode & 0o777).toBe(0o600);
    } finally {
      await infra.close();
    }
  });
});

describe('with INGEST cut into partitions', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'plumbline-local-partitioned-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('`plumbline nats-auth` writes the mapping beside the permissions for servers of your own', async () => {
    const result = await runCli(
      { PLUMBLINE_DATA_DIR: dataDir, PLUMBLINE_INGEST_PARTITIONS: '4' },
      'nats-auth',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"ingest.*.>": "ingest.{{partition(4,1)}}.{{wildcard(1)}}.>"');
    expect(result.stdout).toContain('"ingest.*.payroll.timesheet.approved"');
    expect(result.stdout).toContain('"ingest.payroll.timesheet.approved"');
  });

  it('maps a connector’s own types to its partition; refuses the rest, and partition subjects', async () => {
    const { infra } = await openLocal(dataDir, { PLUMBLINE_INGEST_PARTITIONS: '4' });
    const { seed } = readNatsSeed(join(credentialsDir(dataDir), 'connectors', 'payroll.nk'));
    const payroll = await connectNats(infra.natsUrl, 'connector-payroll-partitioned', {
      nkeySeed: seed,
      inboxPrefix: connectorInboxPrefix('payroll'),
    });
    try {
      const envelope = encode(validEnvelope('timesheet.approved'));
      expect(await tryPublish(payroll, 'ingest.payroll.timesheet.approved', envelope)).toBe(
        'acked',
      );
      // The server checks the subject its mapping makes, and refuses without a word: the
      // connector gets no PubAck.
      for (const subject of [
        'ingest.payroll.invoice.posted',
        'ingest.0.payroll.timesheet.approved',
        'ingest.2.payroll.timesheet.approved',
      ])
        expect(await tryPublish(payroll, subject, envelope), subject).not.toBe('acked');
      const jsm = await jetstreamManager(infra.nc);
      const ingest = await jsm.streams.info('INGEST');
      expect(ingest.state.messages).toBe(1);
      const stored = await jsm.streams.getMessage('INGEST', { seq: ingest.state.last_seq });
      expect(stored?.subject).toMatch(/^ingest\.[0-3]\.payroll\.timesheet\.approved$/);
    } finally {
      await payroll.close();
      await infra.close();
    }
  });
});

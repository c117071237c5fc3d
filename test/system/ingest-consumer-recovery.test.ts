/**
 * A governance consumer deleted by hand while INGEST holds messages is not recreated on a guess:
 * from INGEST's start it would govern every message again (second copies on GOVERNED beyond its
 * duplicate window), from its end it would leave the messages not yet governed to nobody. The
 * operator says where to resume (`PLUMBLINE_INGEST_RESUME_FROM`). Real nats-server.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/nats-core';
import { DeadLetterHeader, ErrorCode } from '@plumbline/core';
import { GovernanceConsumer, Streams, connectNats, ensureTopology } from '@plumbline/platform';
import { startTestNats, type TestNats } from '../support/test-nats';

let nats: TestNats;
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  nats = await startTestNats();
  nc = await connectNats(nats.url, 'ingest-consumer-recovery-test');
  jsm = await jetstreamManager(nc);
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

const pending = async () =>
  (await jsm.consumers.info(Streams.Ingest, GovernanceConsumer)).num_pending;

it('refuses to recreate it without being told where to resume, then resumes where told', async () => {
  await ensureTopology(nc, jsm);
  const js = jetstream(nc);
  for (let i = 0; i < 3; i += 1) await js.publish('ingest.odoo.invoice.posted', `{"n":${i}}`);
  // The worker's output for INGEST message 2, as it names it.
  const output = headers();
  output.set(DeadLetterHeader.IngestSeq, '2');
  await js.publish('gov.finance.invoice.posted', '{}', { headers: output });
  await jsm.consumers.delete(Streams.Ingest, GovernanceConsumer);

  const refused = await ensureTopology(nc, jsm).catch((error: unknown) => error);
  expect(refused).toMatchObject({
    code: ErrorCode.Conflict,
    details: { missing: [GovernanceConsumer], firstSeq: 1, lastSeq: 3, lastGoverned: 2 },
  });
  expect(String(refused)).toContain('holds 3 messages (sequences 1 to 3)');
  expect(String(refused)).toContain('The last output was of INGEST message 2');
  expect(String(refused)).toContain('PLUMBLINE_INGEST_RESUME_FROM');
  await expect(jsm.consumers.info(Streams.Ingest, GovernanceConsumer)).rejects.toThrow(
    /not found/i,
  );

  await ensureTopology(nc, jsm, { ingestResumeFrom: 3 });
  expect(await pending()).toBe(1);
  await ensureTopology(nc, jsm, { ingestResumeFrom: 1 }); // it exists now: left as it is
  expect(await pending()).toBe(1);

  await jsm.consumers.delete(Streams.Ingest, GovernanceConsumer);
  await ensureTopology(nc, jsm, { ingestResumeFrom: 'all' });
  expect(await pending()).toBe(3);
});

it('recreates it from the start without asking when INGEST holds nothing', async () => {
  await jsm.streams.purge(Streams.Ingest);
  await jsm.consumers.delete(Streams.Ingest, GovernanceConsumer);
  await ensureTopology(nc, jsm);
  expect(await pending()).toBe(0);
  await jetstream(nc).publish('ingest.odoo.invoice.posted', '{}');
  expect(await pending()).toBe(1);
});

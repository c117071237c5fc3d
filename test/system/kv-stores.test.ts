/**
 * The KV-backed stores tell a lost compare-and-set (someone else wrote first: "already exists",
 * or read again and retry) from a failing store (the error surfaces as it is). Before, any error
 * read as a lost race: with the bucket gone a token creation said "already exists" and the
 * bootstrap claim said another process had it. Real nats-server; a store whose connection is
 * closed under it stands in for a store that fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kvm, type KV } from '@nats-io/kv';
import {
  ErrorCode,
  PlumblineError,
  createReplayJob,
  type AccessTokenRecord,
} from '@plumbline/core';
import {
  DeadLetterStates,
  ReplayJobStore,
  TokenStore,
  connectNats,
  type DeadLetterStateRecord,
  type LocalNatsServer,
} from '@plumbline/platform';
import { startTestNats } from '../support/test-nats';

let nats: LocalNatsServer;
let buckets = 0;

beforeAll(async () => {
  nats = await startTestNats();
});

afterAll(async () => {
  await nats?.stop();
});

/** A fresh bucket on a connection of its own; `fail` closes that connection under the store. */
async function bucket(): Promise<{ kv: KV; fail: () => Promise<void> }> {
  buckets += 1;
  const own = await connectNats(nats.url, `kv-stores-test-${buckets}`);
  const kv = await new Kvm(own).create(`kv_stores_${buckets}`);
  return { kv, fail: () => own.close() };
}

const token = (id: string): AccessTokenRecord => ({
  id,
  kind: 'human',
  name: 'ana@example.com',
  role: 'support',
  scope: { subjects: [], domains: [] },
  tenants: [],
  description: 'test',
  secretHash: 'x',
  createdAt: '2026-11-23T10:00:00.000Z',
  createdBy: 'test',
  expiresAt: null,
  revokedAt: null,
  revokedBy: null,
  revokeReason: null,
});

const job = (id: string) =>
  createReplayJob({
    id,
    request: {
      select: { ids: [1] },
      maxRatePerSecond: 10,
      dryRun: false,
      reason: 'test',
    },
    requestedBy: 'test',
    tenants: ['*'],
    at: Date.parse('2026-11-23T10:00:00Z'),
  });

const decision: DeadLetterStateRecord = {
  state: 'resolved',
  by: 'ana@example.com',
  at: Date.parse('2026-11-23T10:00:00Z'),
  reason: 'fixed at the source',
  jobId: '',
  replayedAs: '',
};

/** The error a call rejects with. */
async function failure(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => expect.fail('expected the call to fail'),
    (error: unknown) => error,
  );
}

const isConflict = (error: unknown) =>
  error instanceof PlumblineError && error.code === ErrorCode.Conflict;

describe('TokenStore', () => {
  it('says "already exists" only when the token does', async () => {
    const { kv, fail } = await bucket();
    const store = new TokenStore(kv);
    await store.create(token('t1'));
    const duplicate = await failure(store.create(token('t1')));
    expect(isConflict(duplicate)).toBe(true);
    expect(String(duplicate)).toContain('already exists');

    await fail();
    const broken = await failure(store.create(token('t2')));
    expect(isConflict(broken)).toBe(false);
    expect(String(broken)).not.toContain('already exists');
  });

  it('retries an update that lost a race, and surfaces a failing store', async () => {
    const { kv, fail } = await bucket();
    const store = new TokenStore(kv);
    await store.create(token('t1'));
    const [first, second] = await Promise.all([
      store.update('t1', (record) => ({ ...record, description: `${record.description}+a` })),
      store.update('t1', (record) => ({ ...record, description: `${record.description}+b` })),
    ]);
    expect([first.after.description, second.after.description].sort()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^test\+(a\+b|b\+a)$/)]),
    );

    await fail();
    const broken = await failure(store.update('t1', (record) => record));
    expect(isConflict(broken)).toBe(false);
  });

  it('gives the bootstrap claim to one caller, and does not read a failing store as taken', async () => {
    const { kv, fail } = await bucket();
    const store = new TokenStore(kv);
    const at = new Date('2026-11-23T10:00:00Z');
    expect(await Promise.all([store.claimBootstrap(at), store.claimBootstrap(at)])).toEqual(
      expect.arrayContaining([true, false]),
    );
    await fail();
    await expect(new TokenStore(kv).claimBootstrap(at)).rejects.toThrow();
  });
});

describe('ReplayJobStore', () => {
  it('says a job exists only when it does, and surfaces a failing store on update', async () => {
    const { kv, fail } = await bucket();
    const store = new ReplayJobStore(kv);
    await store.create(job('j1'));
    expect(isConflict(await failure(store.create(job('j1'))))).toBe(true);
    const [a, b] = await Promise.all([
      store.update('j1', (current) => ({ ...current, reason: `${current.reason}+a` })),
      store.update('j1', (current) => ({ ...current, reason: `${current.reason}+b` })),
    ]);
    expect([a.reason, b.reason]).toEqual(
      expect.arrayContaining([expect.stringMatching(/^test\+(a\+b|b\+a)$/)]),
    );

    await fail();
    expect(isConflict(await failure(store.create(job('j2'))))).toBe(false);
    expect(isConflict(await failure(store.update('j1', (current) => current)))).toBe(false);
  });
});

describe('DeadLetterStates', () => {
  it('hands a claimed dead letter to the first claimant only, and surfaces a failing store', async () => {
    const { kv, fail } = await bucket();
    const states = new DeadLetterStates(kv);
    expect(await states.claim(7, decision)).toEqual({ claimed: true });
    expect(await states.claim(7, { ...decision, by: 'ben@example.com' })).toEqual({
      claimed: false,
      existing: decision,
    });

    await fail();
    await expect(states.claim(8, decision)).rejects.toThrow();
  });
});

/**
 * Dead letters and replay, end to end on real NATS and chDB: the index over the DEADLETTER
 * stream, problems and triage, dry run, a patched replay that ends accepted and linked in
 * lineage, a bulk replay of 10,000 at a capped rate with exact counts and no duplicates, a
 * cancelled job that stops, a crashed runner's job resumed by another, resolution, and automatic
 * retries of a transient cause.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyJobEvent,
  createReplayJob,
  replayMessageId,
  systemActor,
  type DeadLetter,
  type ReplayJob,
} from '@plumbline/core';
import { DeadLetterStates, KvLease, ReplayJobStore } from '@plumbline/platform';
import { encode, ingestSubject, validEnvelope, type TestEnvelope } from '../support/envelopes';
import { runCli } from '../support/cli';
import { eventually } from '../support/eventually';
import { startTestApi, type TestApi } from '../support/test-api';
import { startTestPlumbline, type TestPlumbline } from '../support/test-plumbline';

let plumbline: TestPlumbline;
let api: TestApi;
let support: string;
let admin: string;

beforeAll(async () => {
  plumbline = await startTestPlumbline();
  api = await startTestApi(plumbline, {
    retrySchedules: { rate_limited: { baseDelayMs: 1, maxDelayMs: 1, maxAttempts: 2 } },
  });
  support = await api.tokenFor('support', { name: 'sam@acme.test' });
  admin = await api.tokenFor('admin', { name: 'ada@acme.test' });
});
afterAll(async () => {
  await api?.stop();
  await plumbline?.stop();
});

const indexed = (query: string, count: number) =>
  eventually(`${count} dead letters where ${query}`, async () => {
    const response = await api.request('GET', `/api/dead-letters?${query}&limit=500`, support);
    const items = response.body.items as DeadLetter[];
    return items.length >= count ? items : undefined;
  });

const jobDone = (id: string) =>
  eventually(
    `job ${id} to finish`,
    async () => {
      await api.handle.deadLetters.runner.poke();
      const job = (await api.request('GET', `/api/replay-jobs/${id}`, support))
        .body as unknown as ReplayJob;
      return ['done', 'failed', 'cancelled'].includes(job.state) ? job : undefined;
    },
    120_000,
  );

async function publishAll(envelopes: readonly TestEnvelope[]) {
  for (let i = 0; i < envelopes.length; i += 500)
    await Promise.all(
      envelopes
        .slice(i, i + 500)
        .map((envelope) =>
          plumbline.publish(
            ingestSubject(envelope),
            encode(envelope),
            `${envelope.source}:${envelope.id}`,
          ),
        ),
    );
}

describe('the dead-letter index', () => {
  it('indexes every dead letter with reason, errors and tenant; filters and groups them into problems', async () => {
    const bad = [1, 2, 3].map(() => {
      const envelope = validEnvelope('timesheet.approved');
      return { ...envelope, tenant: 'acme', data: { ...envelope.data, hours: -1 } };
    });
    const unknown = {
      ...validEnvelope('timesheet.approved'),
      type: 'timesheet.rejected',
      tenant: 'acme',
    };
    await publishAll(bad);
    await plumbline.publish('ingest.payroll.timesheet.rejected', encode(unknown), 'unknown-1');

    const violations = await indexed(
      'reason=schema_violation&type=timesheet.approved&tenant=acme',
      3,
    );
    expect(violations[0]).toMatchObject({
      reason: 'schema_violation',
      type: 'timesheet.approved',
      source: 'payroll',
      tenant: 'acme',
      state: 'open',
    });
    expect(violations[0]!.contractVersion).toBeGreaterThan(0);
    expect(violations[0]!.errors[0]).toMatchObject({ pointer: '/hours' });
    expect(violations[0]!.businessKey).toMatch(/^TS-/);
    const text = await api.request(
      'GET',
      '/api/dead-letters?text=must%20be%20%3E%3D%200&limit=10',
      support,
    );
    expect((text.body.items as DeadLetter[]).length).toBeGreaterThanOrEqual(3);
    await indexed('reason=unknown_contract', 1);

    const problems = await api.request(
      'GET',
      '/api/dead-letters/problems?type=timesheet.approved',
      support,
    );
    expect(problems.status, problems.text).toBe(200);
    const [problem] = problems.body.problems as {
      key: string;
      count: number;
      open: number;
      pointer: string;
    }[];
    expect(problem).toMatchObject({ count: 3, open: 3, pointer: '/hours' });

    const key = encodeURIComponent(problem!.key);
    const acknowledged = await api.request(
      'PUT',
      `/api/dead-letters/problems/${key}/triage`,
      support,
      {
        state: 'acknowledged',
        ticket: 'SUP-12',
      },
    );
    expect(acknowledged.body).toMatchObject({ state: 'acknowledged', changedBy: 'sam@acme.test' });
    const again = await api.request('PUT', `/api/dead-letters/problems/${key}/triage`, support, {
      state: 'acknowledged',
    });
    expect(again.status).toBe(409);
    const audit = await api.request(
      'GET',
      `/api/audit?target=${encodeURIComponent(`problem:${problem!.key}`)}`,
      admin,
    );
    expect(audit.body.entries).toEqual([
      expect.objectContaining({ action: 'problem.triage', actor: 'sam@acme.test' }),
    ]);

    const page1 = await api.request('GET', '/api/dead-letters?limit=2', support);
    const page2 = await api.request(
      'GET',
      `/api/dead-letters?limit=2&cursor=${page1.body.nextCursor as string}`,
      support,
    );
    const seqs = [...(page1.body.items as DeadLetter[]), ...(page2.body.items as DeadLetter[])].map(
      (item) => item.seq,
    );
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(new Set(seqs).size).toBe(seqs.length);

    const refused = await api.request('GET', '/api/dead-letters?colour=red', support);
    expect(refused).toMatchObject({ status: 400, body: { code: 'bad_request' } });
  });
});

describe('replay', () => {
  it('a dry run says what would pass; a patched replay ends in an accepted lineage row linked to the original', async () => {
    const envelope = validEnvelope('work_order.completed');
    const broken = { ...envelope, data: { ...envelope.data, labor_hours: -3 } };
    await plumbline.publish(ingestSubject(broken), encode(broken), `${broken.source}:${broken.id}`);
    const [deadLetter] = await indexed(`type=work_order.completed&reason=schema_violation`, 1);
    const select = { ids: [deadLetter!.seq] };

    const unpatched = await api.request('POST', '/api/dead-letters/dry-run', support, {
      select,
      reason: 'check before fixing the hours',
    });
    expect(unpatched.body).toMatchObject({ total: 1, wouldPass: 0, wouldFail: 1 });
    const patch = [{ op: 'replace', path: '/data/labor_hours', value: 3 }];
    const patched = await api.request('POST', '/api/dead-letters/dry-run', support, {
      select,
      patch,
      reason: 'check before fixing the hours',
    });
    expect(patched.body).toMatchObject({ total: 1, wouldPass: 1, wouldFail: 0 });

    const queued = await api.request('POST', '/api/dead-letters/replay', support, {
      select,
      patch,
      dryRun: false,
      reason: 'field app sent negative hours; fixed by hand',
      ticket: 'SUP-77',
    });
    expect(queued.status).toBe(202);
    const job = await jobDone(queued.body.id as string);
    expect(job).toMatchObject({ state: 'done', progress: { total: 1, replayed: 1, failed: 0 } });

    const [row] = await plumbline.waitForLineage(
      1,
      "envelope_key = {key:String} AND outcome = 'accepted'",
      { key: `${broken.source}:${broken.id}` },
    );
    expect(row).toMatchObject({ replay_of: `dlq:${deadLetter!.seq}`, replay_job: job.id });
    const after = await api.request('GET', `/api/dead-letters/${deadLetter!.seq}`, support);
    expect(after.body.indexed).toMatchObject({ state: 'replayed', replayJobId: job.id });
    expect((await jobDone(job.id)).progress.accepted).toBe(1);

    const audit = await api.request('GET', `/api/audit?target=replay-job:${job.id}`, admin);
    expect(
      (audit.body.entries as { action: string }[]).map((entry) => entry.action).sort(),
    ).toEqual(['deadletter.patch', 'deadletter.replay']);
  });

  it('a cancelled job stops: no more publications, the rest stay open', async () => {
    const envelopes = Array.from({ length: 300 }, () => {
      const envelope = validEnvelope('milestone.changed');
      return { ...envelope, tenant: 'cancel-test' };
    });
    await api.handle.registry.service.setLifecycle('milestone.changed', 1, 'retired', systemActor, {
      reason: 'test',
    });
    await plumbline.waitForLineage(0);
    await publishAll(envelopes);
    await indexed('reason=retired_version&tenant=cancel-test', 300);
    await api.handle.registry.service.setLifecycle(
      'milestone.changed',
      1,
      'deprecated',
      systemActor,
      { reason: 'test' },
    );

    const queued = await api.request('POST', '/api/dead-letters/replay', support, {
      select: { filter: { reasons: ['retired_version'], tenants: ['cancel-test'] } },
      maxRatePerSecond: 20,
      dryRun: false,
      reason: 'milestones back after the retirement mistake',
    });
    const id = queued.body.id as string;
    void api.handle.deadLetters.runner.poke();
    await eventually('the job to replay a few', async () => {
      const job = (await api.request('GET', `/api/replay-jobs/${id}`, support))
        .body as unknown as ReplayJob;
      return job.progress.replayed >= 5 ? job : undefined;
    });
    const cancelled = await api.request('POST', `/api/replay-jobs/${id}/cancel`, support, {
      reason: 'wrong selection, stopping it',
    });
    expect(cancelled.body).toMatchObject({ state: 'cancelled', cancelledBy: 'sam@acme.test' });
    const settled = await jobDone(id);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const later = (await api.request('GET', `/api/replay-jobs/${id}`, support))
      .body as unknown as ReplayJob;
    expect(later.state).toBe('cancelled');
    expect(later.progress.replayed).toBe(settled.progress.replayed);
    expect(later.progress.replayed).toBeLessThan(300);
    const open = await api.request(
      'GET',
      '/api/dead-letters?tenant=cancel-test&state=open&limit=500',
      support,
    );
    expect((open.body.items as DeadLetter[]).length).toBe(300 - later.progress.replayed);
  });

  it('a job its runner left running (a crash) is resumed by another runner once its lease is free, and counts each dead letter once', async () => {
    const total = 40;
    const envelopes = Array.from({ length: total }, () => ({
      ...validEnvelope('milestone.changed'),
      tenant: 'resume-test',
    }));
    await api.handle.registry.service.setLifecycle('milestone.changed', 1, 'retired', systemActor, {
      reason: 'test',
    });
    await plumbline.waitForLineage(0);
    await publishAll(envelopes);
    const deadLetters = await indexed('reason=retired_version&tenant=resume-test', total);
    await api.handle.registry.service.setLifecycle(
      'milestone.changed',
      1,
      'deprecated',
      systemActor,
      { reason: 'test' },
    );

    // What a runner that crashed mid-job leaves: the job running with nothing recorded yet, five
    // dead letters claimed for it (two marked published, longer ago than INGEST's duplicate
    // window: their first publication is not part of this test; three maybe published), and its
    // lease, held until it expires.
    const id = `resume-${process.pid}`;
    const at = Date.now();
    const job = applyJobEvent(
      createReplayJob({
        id,
        request: {
          select: { filter: { reasons: ['retired_version'], tenants: ['resume-test'] } },
          maxRatePerSecond: 200,
          dryRun: false,
          reason: 'milestones back after the retirement mistake',
        },
        requestedBy: 'sam@acme.test',
        tenants: ['resume-test'],
        at,
      }),
      { type: 'started', at, total },
    );
    const crashed = new KvLease(plumbline.infra.buckets.leases, `replay.${id}`, 'crashed', 60_000);
    expect(await crashed.hold()).toBe(true);
    await new ReplayJobStore(plumbline.infra.buckets.replayJobs).create(job);
    const states = new DeadLetterStates(plumbline.infra.buckets.deadLetterStates);
    const claimed = [...deadLetters].sort((a, b) => a.seq - b.seq).slice(0, 5);
    for (const [index, deadLetter] of claimed.entries())
      expect(
        await states.claim(deadLetter.seq, {
          state: 'replayed',
          by: job.requestedBy,
          at,
          reason: '',
          jobId: id,
          replayedAs: replayMessageId(id, deadLetter.seq),
          ...(index < 2 ? { publishedAt: at - 10 * 60_000 } : {}),
        }),
      ).toEqual({ claimed: true });
    const publishedBefore = new Set(claimed.slice(0, 2).map((deadLetter) => deadLetter.seq));

    // While the lease holds, the live runner leaves the job alone.
    for (let i = 0; i < 3; i += 1) await api.handle.deadLetters.runner.poke();
    const untouched = (await api.request('GET', `/api/replay-jobs/${id}`, support))
      .body as unknown as ReplayJob;
    expect(untouched).toMatchObject({ state: 'running', progress: { replayed: 0 } });

    // The lease lapses (here: given up): the runner resumes the job and finishes it.
    await crashed.release();
    const done = await jobDone(id);
    expect(done).toMatchObject({
      state: 'done',
      progress: { total, replayed: total, skipped: 0, failed: 0 },
    });
    // Every dead letter published once by the job, except the two published before the crash.
    const accepted = await plumbline.waitForLineage(
      total - 2,
      "tenant = 'resume-test' AND outcome = 'accepted' AND replay_job = {job:String}",
      { job: id },
    );
    expect(new Set(accepted.map((row) => row.replay_of))).toEqual(
      new Set(
        deadLetters
          .filter((deadLetter) => !publishedBefore.has(deadLetter.seq))
          .map((deadLetter) => `dlq:${deadLetter.seq}`),
      ),
    );
    const rows = await plumbline.infra.store.query<{ n: string }>(
      `SELECT count() AS n FROM ${plumbline.infra.store.database}.lineage_v1 FINAL
       WHERE tenant = 'resume-test' AND outcome = 'accepted'`,
    );
    expect(Number(rows[0]?.n)).toBe(total - 2);
    for (const deadLetter of deadLetters)
      expect((await states.get(deadLetter.seq))?.publishedAt).toBeGreaterThan(0);
    // The lease is given up when the job ends: nothing is left holding it.
    expect(await new KvLease(plumbline.infra.buckets.leases, `replay.${id}`, 'x', 1).hold()).toBe(
      true,
    );
  });

  it('a caller limited to some tenants sees and cancels only replay jobs within them', async () => {
    const jobOver = async (tenant: string, token: string) => {
      const envelope = validEnvelope('timesheet.approved');
      const correlationid = `scope-${envelope.id}`;
      const bad = { ...envelope, tenant, correlationid, data: { ...envelope.data, hours: -2 } };
      await plumbline.publish(ingestSubject(bad), encode(bad), `${bad.source}:${bad.id}`);
      await indexed(`tenant=${tenant}&correlationId=${correlationid}`, 1);
      // Selected by its correlation id only: the job of an unlimited caller is over any tenant.
      const created = await api.request('POST', '/api/dead-letters/replay', token, {
        select: { filter: { reasons: ['schema_violation'], correlationId: correlationid } },
        dryRun: false,
        reason: 'checking who sees which job',
      });
      expect(created.status).toBe(202);
      return created.body as unknown as ReplayJob;
    };
    const scopedA = await api.tokenFor('support', { tenants: ['scope-a'] });
    const scopedB = await api.tokenFor('support', { tenants: ['scope-b'] });
    // A limited caller's job is limited to their tenants; an unlimited caller's is over any.
    const ofA = await jobOver('scope-a', scopedA);
    const ofB = await jobOver('scope-b', scopedB);
    const ofAll = await jobOver('scope-a', support);
    expect([ofA.tenants, ofB.tenants, ofAll.tenants]).toEqual([['scope-a'], ['scope-b'], ['*']]);

    const listed = async (token: string) =>
      (
        (await api.request('GET', '/api/replay-jobs?limit=500', token)).body.jobs as ReplayJob[]
      ).map((job) => job.id);
    expect(await listed(scopedA)).toEqual([ofA.id]);
    expect(await listed(scopedB)).toEqual([ofB.id]);
    expect(await listed(support)).toEqual(expect.arrayContaining([ofA.id, ofB.id, ofAll.id]));

    for (const hidden of [ofB.id, ofAll.id]) {
      expect((await api.request('GET', `/api/replay-jobs/${hidden}`, scopedA)).status).toBe(404);
      const cancel = await api.request('POST', `/api/replay-jobs/${hidden}/cancel`, scopedA, {
        reason: 'not mine to stop',
      });
      expect(cancel.status).toBe(404);
    }
    expect((await api.request('GET', `/api/replay-jobs/${ofA.id}`, scopedA)).status).toBe(200);
    const after = (await api.request('GET', `/api/replay-jobs/${ofB.id}`, support))
      .body as unknown as ReplayJob;
    expect(after.cancelledBy).toBe('');
  });

  it('bulk: 10,000 dead letters replayed at a capped rate, exact counts, and replaying again adds nothing', async () => {
    const total = 10_000;
    await api.handle.registry.service.setLifecycle('staffing.approved', 1, 'retired', systemActor, {
      reason: 'test',
    });
    const envelopes = Array.from({ length: total }, () => ({
      ...validEnvelope('staffing.approved'),
      tenant: 'bulk',
    }));
    await publishAll(envelopes);
    await eventually(
      '10,000 indexed',
      async () => {
        const count = await api.handle.deadLetters.service
          .list({ tenants: ['bulk'], reasons: ['retired_version'] }, { limit: 1 })
          .then(async () =>
            plumbline.infra.store.query<{ n: string }>(
              `SELECT count() AS n FROM ${plumbline.infra.store.database}.dead_letters_v1 FINAL WHERE tenant = 'bulk'`,
            ),
          );
        return Number(count[0]?.n) >= total ? true : undefined;
      },
      120_000,
    );
    await api.handle.registry.service.setLifecycle(
      'staffing.approved',
      1,
      'deprecated',
      systemActor,
      { reason: 'test' },
    );

    const rate = 1_000;
    const body = {
      select: { filter: { tenants: ['bulk'], reasons: ['retired_version'] } },
      maxRatePerSecond: rate,
      dryRun: false,
      reason: 'staffing approvals back after the retirement mistake',
    };
    const dryRun = await api.request('POST', '/api/dead-letters/dry-run', support, {
      ...body,
      dryRun: true,
    });
    expect(dryRun.body).toMatchObject({ total, wouldPass: total, wouldFail: 0 });

    const first = await jobDone(
      (await api.request('POST', '/api/dead-letters/replay', support, body)).body.id as string,
    );
    expect(first).toMatchObject({
      state: 'done',
      progress: { total, replayed: total, skipped: 0, failed: 0 },
    });
    // The cap holds: 10,000 at 1,000/s cannot take less than 9.999 s.
    expect(first.finishedAt - first.startedAt).toBeGreaterThanOrEqual(((total - 1) / rate) * 1_000);

    const second = await jobDone(
      (await api.request('POST', '/api/dead-letters/replay', support, body)).body.id as string,
    );
    expect(second.progress).toMatchObject({ total, replayed: 0, skipped: total });

    const accepted = await plumbline.waitForLineage(
      total,
      "tenant = 'bulk' AND outcome = 'accepted' AND replay_job = {job:String}",
      { job: first.id },
      120_000,
    );
    expect(accepted).toHaveLength(total);
    expect(new Set(accepted.map((row) => row.envelope_key)).size).toBe(total);
    const governed = await plumbline.infra.store.query<{ n: string }>(
      `SELECT count() AS n FROM ${plumbline.infra.store.database}.lineage_v1 FINAL WHERE tenant = 'bulk' AND outcome = 'accepted'`,
    );
    expect(Number(governed[0]?.n)).toBe(total);
    expect((await jobDone(first.id)).progress.accepted).toBe(total);
  }, 300_000);

  it('resolve closes a dead letter with a reason; a later replay skips it', async () => {
    const envelope = validEnvelope('timesheet.approved');
    const bad = { ...envelope, tenant: 'resolve-test', data: { ...envelope.data, hours: -2 } };
    await plumbline.publish(ingestSubject(bad), encode(bad), `${bad.source}:${bad.id}`);
    const [deadLetter] = await indexed('tenant=resolve-test', 1);
    const short = await api.request('POST', '/api/dead-letters/resolve', support, {
      seqs: [deadLetter!.seq],
      reason: 'dup',
    });
    expect(short.status).toBe(400);
    const resolved = await api.request('POST', '/api/dead-letters/resolve', support, {
      seqs: [deadLetter!.seq, 999_999_999],
      reason: 'test data from the payroll sandbox',
    });
    expect(resolved.body).toEqual({
      resolved: [deadLetter!.seq],
      unchanged: [{ seq: 999_999_999, state: 'not_found' }],
    });
    const job = await jobDone(
      (
        await api.request('POST', '/api/dead-letters/replay', support, {
          select: { ids: [deadLetter!.seq] },
          dryRun: false,
          reason: 'trying to replay a resolved one',
        })
      ).body.id as string,
    );
    expect(job.progress).toMatchObject({ replayed: 0, skipped: 1 });
  });
});

describe('automatic retry', () => {
  it('retries a transient cause by itself, then the envelopes are accepted; permanent causes wait', async () => {
    const burst = Array.from({ length: 300 }, () => ({
      ...validEnvelope('opportunity.won'),
      tenant: 'retry-test',
    }));
    await publishAll(burst);
    const limited = await indexed('tenant=retry-test&reason=rate_limited', 1);
    // The runaway automation is fixed: lift the limit, as an operator would.
    const policies = (await plumbline.policies.get())!;
    await plumbline.policies.put({
      ...policies,
      rateLimits: {
        ...policies.rateLimits,
        rules: policies.rateLimits.rules.filter((rule) => rule.source !== 'crm'),
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 500));

    // The API's own sweep (every 10 s) may have queued some already: the jobs below count both.
    await api.handle.deadLetters.retry.sweep();
    expect(await api.handle.deadLetters.retry.sweep()).toBe(0); // idempotent
    await api.handle.deadLetters.runner.poke();
    const jobs = (await api.request('GET', '/api/replay-jobs?limit=500', support)).body
      .jobs as ReplayJob[];
    const automatic = jobs.filter((job) => job.kind === 'automatic');
    expect(automatic.length).toBeGreaterThanOrEqual(limited.length);
    expect(
      automatic.every((job) => /^retry1-\d+$/.test(job.id) && job.requestedBy === 'plumbline'),
    ).toBe(true);

    const rejected = await plumbline.lineage("tenant = 'retry-test' AND outcome != 'accepted'");
    await plumbline.waitForLineage(
      burst.length,
      "tenant = 'retry-test' AND outcome = 'accepted'",
      {},
      60_000,
    );
    expect(rejected.length).toBeLessThanOrEqual(burst.length);
    const stillOpen = await api.request(
      'GET',
      '/api/dead-letters?reason=schema_violation&state=open&limit=500',
      support,
    );
    expect((stillOpen.body.items as DeadLetter[]).length).toBeGreaterThan(0);
  });
});

describe('plumbline dlq (CLI)', () => {
  const cli = (...args: string[]) =>
    runCli({ PLUMBLINE_API_URL: api.baseUrl, PLUMBLINE_TOKEN: support }, ...args);

  it('lists, groups, shows, dry-runs, replays with a patch file, and follows the job', async () => {
    const envelope = validEnvelope('work_order.completed');
    const broken = { ...envelope, tenant: 'cli-test', data: { ...envelope.data, labor_hours: -8 } };
    await plumbline.publish(ingestSubject(broken), encode(broken), `${broken.source}:${broken.id}`);
    const [deadLetter] = await indexed('tenant=cli-test', 1);
    const seq = String(deadLetter!.seq);

    const listed = await cli('dlq', 'list', '--tenant', 'cli-test');
    expect(listed.stdout).toMatch(
      new RegExp(`${seq}\\s.*open\\s+schema_violation\\s+work_order.completed`),
    );
    const problems = await cli('dlq', 'problems', '--tenant', 'cli-test');
    expect(problems.stdout).toMatch(
      /1 \(1 open\)\s+open\s+schema_violation\|work_order.completed\|\/labor_hours/,
    );
    const shown = await cli('dlq', 'show', seq);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      seq: deadLetter!.seq,
      payload: { view: 'masked' },
    });

    const patchFile = join(mkdtempSync(join(tmpdir(), 'plumbline-patch-')), 'fix.json');
    writeFileSync(
      patchFile,
      JSON.stringify([{ op: 'replace', path: '/data/labor_hours', value: 8 }]),
    );
    const dry = await cli(
      'dlq',
      'dry-run',
      '--id',
      seq,
      '--patch',
      patchFile,
      '--why',
      'negative hours from the field app',
    );
    expect(dry.stdout).toMatch(/1 selected: 1 would pass, 0 would fail/);
    const replayed = await cli(
      'dlq',
      'replay',
      '--id',
      seq,
      '--patch',
      patchFile,
      '--why',
      'negative hours from the field app',
      '--ticket',
      'SUP-9',
    );
    const id = /replay job (\S+) queued/.exec(replayed.stdout)?.[1];
    expect(id, replayed.stderr).toBeDefined();
    await jobDone(id!);
    const jobs = await cli('dlq', 'jobs', id!);
    expect(jobs.stdout).toMatch(new RegExp(`${id}\\s+done\\s+manual\\s+1/1 replayed`));

    const missing = await cli('dlq', 'replay', '--id', seq);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--why/);
  });
});

describe('expiry', () => {
  it('once the stream no longer holds its bytes, an open dead letter is expired', async () => {
    const envelope = validEnvelope('timesheet.approved');
    const bad = { ...envelope, tenant: 'expiry-test', data: { ...envelope.data, hours: -4 } };
    await plumbline.publish(ingestSubject(bad), encode(bad), `${bad.source}:${bad.id}`);
    const [deadLetter] = await indexed('tenant=expiry-test', 1);
    // Retention is days; purging the stream is what retention does to the oldest messages.
    const jsm = await jetstreamManager(plumbline.infra.nc);
    await jsm.streams.purge('DEADLETTER');
    expect(await api.handle.deadLetters.expiry.sweep()).toBeGreaterThanOrEqual(1);
    const after = await api.handle.deadLetters.service.get(deadLetter!.seq);
    expect(after).toMatchObject({ state: 'expired' });
    const detail = await api.request('GET', `/api/dead-letters/${deadLetter!.seq}`, support);
    expect(detail).toMatchObject({ status: 404 });
  });
});

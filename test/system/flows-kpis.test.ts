/**
 * Flows and KPIs end to end on real NATS and chDB, through the API: a flow instance goes in
 * progress → breached → completed after a late step (test-only flow with second-long SLAs); a
 * dead-lettered step fails its instance and names the dead letter to open; a flow that is not
 * rolled up (correlated by business key and a tracked property) is derived from lineage; business
 * figures equal sums computed here from the envelopes published, per tenant, project, currency
 * and day, within a caller's tenants, and unchanged by a repeated decision; integration figures
 * count every message once, rate-limit delays included, with latency, freshness, open dead
 * letters and the consumer's lag; and `plumbline flows` / `plumbline kpis` show the same.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, ingestSubject, validEnvelope, type TestEnvelope } from '../support/envelopes';
import { runCli } from '../support/cli';
import { eventually } from '../support/eventually';
import { repoRoot } from '../support/repo';
import { startTestApi, type TestApi } from '../support/test-api';
import { startTestPlumbline, type TestPlumbline } from '../support/test-plumbline';

const lines = (...text: string[]) => `${text.join('\n')}\n`;

/** The repository's policies, plus two test-only flows and a tight rate limit on work orders. */
function testPolicies(): string {
  const dir = mkdtempSync(join(tmpdir(), 'plumbline-policies-'));
  cpSync(join(repoRoot(), 'policies'), dir, { recursive: true });
  writeFileSync(
    join(dir, 'flows', 'quick-change-orders.yaml'),
    lines(
      'id: quick-change-orders',
      'title: Change order to billing, with test SLAs',
      'owner: Test',
      'sla: 60s',
      'steps:',
      '  - type: change_order.approved',
      '  - type: commitment.updated',
      '    sla: 3s',
      '  - type: billing.adjusted',
      '    sla: 30s',
    ),
  );
  writeFileSync(
    join(dir, 'flows', 'purchase-by-reference.yaml'),
    lines(
      'id: purchase-by-reference',
      'title: Purchase order to receipt, by reference',
      'owner: Test',
      'sla: 1h',
      'steps:',
      '  - type: purchase_order.approved',
      '    correlateBy: business_key',
      '  - type: goods_receipt.recorded',
      '    correlateBy: tracked',
      '    correlationProperty: purchase_order_ref',
      '    sla: 30m',
    ),
  );
  const rateLimits = join(dir, 'rate-limits.yaml');
  writeFileSync(
    rateLimits,
    readFileSync(rateLimits, 'utf8')
      .replace('delayMs: 1000', 'delayMs: 400') // 10 delays: 4 s for 5 messages at 2/s
      .replace(
        'rules:\n',
        lines(
          'rules:',
          '  - source: fieldservice',
          '    type: work_order.completed',
          '    perSecond: 2',
          '    burst: 1',
          '    action: delay',
        ),
      ),
  );
  return dir;
}

let plumbline: TestPlumbline;
let api: TestApi;
let policiesDir: string;
const token = { viewer: '', canadaViewer: '', support: '' };

/** Every envelope published here and what the worker should decide. */
const published: { envelope: TestEnvelope; outcome: 'accepted' | 'rejected' }[] = [];

async function publish(envelope: TestEnvelope, outcome: 'accepted' | 'rejected' = 'accepted') {
  published.push({ envelope, outcome });
  await plumbline.publish(
    ingestSubject(envelope),
    encode(envelope),
    `${envelope.source}:${envelope.id}`,
  );
}

/** Waits until every envelope published so far has its lineage row, and the rollups have it. */
async function decided(): Promise<void> {
  const keys = published.map(({ envelope }) => `${envelope.source}:${envelope.id}`);
  await plumbline.waitForLineage(
    keys.length,
    `envelope_key IN {keys:Array(String)} AND outcome != 'delayed'`,
    { keys },
    30_000,
  );
  await plumbline.waitForRollups();
}

const get = async <T>(path: string, bearer = token.viewer): Promise<T> => {
  const response = await api.request('GET', path, bearer);
  expect(response.status, `${path}: ${response.text}`).toBe(200);
  return response.body as T;
};

/** GET /api/flows: each flow with its instances per state. */
const flowOverview = () =>
  get<{ flows: { id: string; rolledUp: boolean; instances: Record<string, number> }[] }>(
    '/api/flows',
  );

/** A deterministic sequence in [0, 1), so a failing run can be replayed. */
function randoms(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

let run = 0;
const envelopeOf = (
  type: string,
  tenant: { tenant: string; region: string },
  data: Record<string, unknown>,
  correlationid?: string,
): TestEnvelope => {
  const base = validEnvelope(type);
  run += 1;
  return {
    ...base,
    tenant: tenant.tenant,
    region: tenant.region,
    correlationid: correlationid ?? `kpi-${process.pid}-${run}`,
    data: { ...base.data, ...data },
  };
};

beforeAll(async () => {
  policiesDir = testPolicies();
  plumbline = await startTestPlumbline({ env: { PLUMBLINE_POLICIES_DIR: policiesDir } });
  api = await startTestApi(plumbline);
  token.viewer = await api.tokenFor('viewer', { name: 'vic@acme.test' });
  token.canadaViewer = await api.tokenFor('viewer', {
    name: 'cam@acme.test',
    tenants: ['kpitest-ca'],
  });
  token.support = await api.tokenFor('support', { name: 'sam@acme.test' });
});
afterAll(async () => {
  await api?.stop();
  await plumbline?.stop();
  if (policiesDir !== undefined) rmSync(policiesDir, { recursive: true, force: true });
});

interface InstanceView {
  tenant: string;
  correlation: string;
  state: string;
  breached: boolean;
  startStep: number;
  stoppedAt: { step: number; type: string } | null;
  breach: { scope: string; step: number; type: string } | null;
  breaches: { scope: string; step: number; arrivedAt: string | null }[];
  deadLetter: { step: number; type: string; seq: number | null; reason: string } | null;
  steps: { status: string; accepted: number; rejected: number }[];
}

interface InstancePage {
  flow: { id: string; rolledUp: boolean };
  items: InstanceView[];
  nextCursor: string | null;
}

describe('flows', () => {
  const flowTenant = { tenant: 'flowtest', region: 'us-west' };
  const instanceOf = async (flow: string, correlation: string) => {
    const page = await get<InstancePage>(`/api/flows/${flow}/instances?limit=200`);
    return page.items.find((item) => item.correlation === correlation);
  };
  const waitForState = (flow: string, correlation: string, state: string, timeoutMs = 30_000) =>
    eventually(
      `${flow} ${correlation} ${state}`,
      async () => {
        const instance = await instanceOf(flow, correlation);
        return instance?.state === state ? instance : undefined;
      },
      timeoutMs,
    );

  it('goes in progress → breached → completed after a late step', async () => {
    const correlation = `co-late-${process.pid}`;
    const project = { project_ref: 'PRJ-2026-201', currency: 'USD' };
    await publish(envelopeOf('change_order.approved', flowTenant, project, correlation));
    const started = await waitForState('quick-change-orders', correlation, 'in_progress');
    expect(started).toMatchObject({
      startStep: 0,
      breached: false,
      stoppedAt: { step: 1, type: 'commitment.updated' },
    });
    expect(started.steps.map((step) => step.status)).toEqual(['done', 'pending', 'pending']);

    // The commitment's SLA is 3 s after the approval: past it, the instance is breached.
    const breached = await waitForState('quick-change-orders', correlation, 'breached', 15_000);
    expect(breached.breach).toMatchObject({ scope: 'step', step: 1, type: 'commitment.updated' });

    await publish(envelopeOf('commitment.updated', flowTenant, project, correlation));
    const resumed = await waitForState('quick-change-orders', correlation, 'in_progress');
    expect(resumed).toMatchObject({ breached: true, breach: null });
    expect(resumed.breaches[0]).toMatchObject({ scope: 'step', step: 1 });
    expect(resumed.breaches[0]?.arrivedAt).not.toBeNull();

    await publish(envelopeOf('billing.adjusted', flowTenant, project, correlation));
    const completed = await waitForState('quick-change-orders', correlation, 'completed');
    expect(completed).toMatchObject({ breached: true, stoppedAt: null, deadLetter: null });
    expect(completed.steps.map((step) => step.status)).toEqual(['done', 'done', 'done']);

    const overview = await flowOverview();
    const quick = overview.flows.find((flow) => flow.id === 'quick-change-orders');
    expect(quick).toMatchObject({ rolledUp: true });
    expect(quick?.instances.completedLate).toBeGreaterThanOrEqual(1);
    expect(quick?.instances.completed).toBeGreaterThanOrEqual(1);
    expect(overview.flows.map((flow) => flow.id)).toEqual(
      expect.arrayContaining([
        'change-order-billing',
        'purchase-by-reference',
        'timesheet-invoicing',
      ]),
    );
  });

  it('fails on a dead-lettered step and names the dead letter to open', async () => {
    const correlation = `co-failed-${process.pid}`;
    const project = { project_ref: 'PRJ-2026-202', currency: 'USD' };
    await publish(envelopeOf('change_order.approved', flowTenant, project, correlation));
    // A negative committed amount: the contract's minimum is 0.
    await publish(
      envelopeOf(
        'commitment.updated',
        flowTenant,
        { ...project, committed_amount: -10 },
        correlation,
      ),
      'rejected',
    );
    const failed = await waitForState('quick-change-orders', correlation, 'failed');
    expect(failed).toMatchObject({
      stoppedAt: { step: 1, type: 'commitment.updated' },
      deadLetter: { step: 1, type: 'commitment.updated', reason: 'schema_violation' },
    });
    expect(failed.steps.map((step) => step.status)).toEqual(['done', 'failed', 'pending']);
    const seq = failed.deadLetter?.seq;
    expect(seq).toBeGreaterThan(0);
    const deadLetter = await api.request('GET', `/api/dead-letters/${seq}`, token.support);
    expect(deadLetter.status).toBe(200);
    expect(deadLetter.body).toMatchObject({
      type: 'commitment.updated',
      reason: 'schema_violation',
    });

    const failedOnly = await get<InstancePage>(
      '/api/flows/quick-change-orders/instances?state=failed',
    );
    expect(failedOnly.items.map((item) => item.correlation)).toContain(correlation);
    expect(failedOnly.items.every((item) => item.state === 'failed')).toBe(true);
  });

  it('derives a flow correlated by business key and tracked property from lineage', async () => {
    const reference = `P${String(process.pid % 100_000).padStart(5, '0')}`;
    await publish(
      envelopeOf('purchase_order.approved', flowTenant, { purchase_order_ref: reference }),
    );
    await publish(
      envelopeOf('goods_receipt.recorded', flowTenant, { purchase_order_ref: reference }),
    );
    const page = await eventually('purchase-by-reference completed', async () => {
      const current = await get<InstancePage>('/api/flows/purchase-by-reference/instances');
      return current.items.some(
        (item) => item.correlation === reference && item.state === 'completed',
      )
        ? current
        : undefined;
    });
    expect(page.flow).toMatchObject({ id: 'purchase-by-reference', rolledUp: false });
    // The overview counts it beside the rolled-up flows (which it counts in one query).
    const overview = await flowOverview();
    const byReference = overview.flows.find((flow) => flow.id === 'purchase-by-reference');
    expect(byReference).toMatchObject({ rolledUp: false });
    expect(byReference?.instances.completed).toBeGreaterThanOrEqual(1);
  });

  it('pages with an opaque cursor and refuses a cursor of another query', async () => {
    const correlations: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const correlation = `co-page-${process.pid}-${i}`;
      correlations.push(correlation);
      await publish(
        envelopeOf(
          'change_order.approved',
          flowTenant,
          { project_ref: 'PRJ-2026-203', currency: 'USD' },
          correlation,
        ),
      );
    }
    await decided();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const page: InstancePage = await get<InstancePage>(
        `/api/flows/quick-change-orders/instances?limit=2${query}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item) => item.correlation));
      if (cursor === null && page.nextCursor !== null) {
        const other = await api.request(
          'GET',
          `/api/flows/quick-change-orders/instances?state=failed&cursor=${page.nextCursor}`,
          token.viewer,
        );
        expect(other.status).toBe(400);
        expect(other.type).toBe('application/problem+json');
        expect(other.body).toMatchObject({ code: 'bad_request' });
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(correlations));

    const tooMany = await api.request(
      'GET',
      '/api/flows/quick-change-orders/instances?limit=5000',
      token.viewer,
    );
    expect(tooMany.status).toBe(400);
    const unknown = await api.request('GET', '/api/flows/no-such-flow/instances', token.viewer);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'not_found' });
  });
});

describe('KPIs', () => {
  const tenants = [
    { tenant: 'kpitest-us', region: 'us-west', currency: 'USD' },
    { tenant: 'kpitest-ca', region: 'ca-central', currency: 'CAD' },
  ] as const;
  const projects = ['PRJ-2026-101', 'PRJ-2026-102', 'PRJ-2026-103'];
  const random = randoms(20_261_123);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  /** Expected figures, computed from what is published (not from ClickHouse). */
  const expected = {
    changeOrderValue: new Map<string, number>(), // tenant|project|currency → amount
    changeOrders: new Map<string, number>(), // day|tenant → count
    hours: new Map<string, number>(), // tenant → hours
    invoices: new Map<string, number>(), // tenant → invoices
    rejectedTimesheets: new Map<string, number>(), // tenant → count
  };
  const add = (map: Map<string, number>, key: string, value: number) =>
    map.set(key, (map.get(key) ?? 0) + value);

  beforeAll(async () => {
    for (let i = 0; i < 40; i += 1) {
      const tenant = pick(tenants);
      const project = pick(projects);
      const amount = Math.round((random() * 120_000 - 20_000) * 100) / 100;
      const envelope = envelopeOf('change_order.approved', tenant, {
        project_ref: project,
        currency: tenant.currency,
        amount,
      });
      add(expected.changeOrderValue, `${tenant.tenant}|${project}|${tenant.currency}`, amount);
      add(expected.changeOrders, `${String(envelope.time).slice(0, 10)}|${tenant.tenant}`, 1);
      await publish(envelope);
    }
    for (let i = 0; i < 30; i += 1) {
      const tenant = pick(tenants);
      const hours = 1 + Math.floor(random() * 60);
      await publish(
        envelopeOf('timesheet.approved', tenant, {
          project_ref: pick(projects),
          hours,
          overtime_hours: Math.max(0, hours - 40),
        }),
      );
      add(expected.hours, tenant.tenant, hours);
    }
    for (let i = 0; i < 12; i += 1) {
      const tenant = pick(tenants);
      await publish(
        envelopeOf('invoice.posted', tenant, {
          project_ref: pick(projects),
          currency: tenant.currency,
        }),
      );
      add(expected.invoices, tenant.tenant, 1);
    }
    for (let i = 0; i < 6; i += 1) {
      const tenant = tenants[i % 2]!;
      await publish(envelopeOf('timesheet.approved', tenant, { hours: -5 }), 'rejected');
      add(expected.rejectedTimesheets, tenant.tenant, 1);
    }
    // Over the work-order rate limit (2/s, burst 1): most are delayed, then accepted.
    for (let i = 0; i < 5; i += 1)
      await publish(envelopeOf('work_order.completed', tenants[0], {}));
    await decided();
  });

  interface BusinessResponse {
    kpis: {
      id: string;
      by: string[];
      figures: {
        period: string | null;
        group: Record<string, string>;
        currency?: string;
        value: number;
        envelopes: number;
      }[];
    }[];
    skipped: { id: string; reason: string }[];
  }
  const ours = (figure: { group: Record<string, string> }) =>
    figure.group.tenant?.startsWith('kpitest-') === true;
  const figuresOf = async (query: string, bearer = token.viewer) => {
    const response = await get<BusinessResponse>(`/api/kpis/business?${query}`, bearer);
    expect(response.kpis).toHaveLength(1);
    return response.kpis[0]!.figures;
  };

  it('sums approved change-order value per tenant, project and currency', async () => {
    const figures = (await figuresOf('kpi=change_order_value_approved&by=tenant,project')).filter(
      ours,
    );
    const actual = new Map(
      figures.map((figure) => [
        `${figure.group.tenant}|${figure.group.project}|${figure.currency}`,
        figure.value,
      ]),
    );
    expect([...actual.keys()].sort()).toEqual([...expected.changeOrderValue.keys()].sort());
    for (const [key, value] of expected.changeOrderValue)
      expect(actual.get(key), key).toBeCloseTo(value, 2);
  });

  it('counts change orders per day and tenant, hours and invoices per tenant', async () => {
    const perDay = (await figuresOf('kpi=change_orders_approved&by=tenant&period=day')).filter(
      ours,
    );
    expect(
      new Map(perDay.map((f) => [`${f.period?.slice(0, 10)}|${f.group.tenant}`, f.value])),
    ).toEqual(expected.changeOrders);

    const hours = (await figuresOf('kpi=timesheet_hours_synced&by=tenant')).filter(ours);
    expect(new Map(hours.map((f) => [f.group.tenant, f.value]))).toEqual(expected.hours);

    const invoices = (await figuresOf('kpi=invoices_posted&by=tenant')).filter(ours);
    expect(new Map(invoices.map((f) => [f.group.tenant, f.value]))).toEqual(expected.invoices);

    const rejected = (await figuresOf('kpi=timesheets_rejected&by=tenant')).filter(ours);
    expect(new Map(rejected.map((f) => [f.group.tenant, f.value]))).toEqual(
      expected.rejectedTimesheets,
    );
  });

  it("shows a caller only their tenants' figures", async () => {
    const figures = await figuresOf('kpi=timesheet_hours_synced&by=tenant', token.canadaViewer);
    expect(figures.map((figure) => figure.group.tenant)).toEqual(['kpitest-ca']);
    expect(figures[0]?.value).toBe(expected.hours.get('kpitest-ca'));
  });

  it('lists the KPIs that cannot be shown as asked, and refuses one asked by id', async () => {
    const all = await get<BusinessResponse>('/api/kpis/business?by=project&period=week');
    expect(all.kpis.map((kpi) => kpi.id)).toContain('change_order_value_approved');
    expect(all.skipped.map((kpi) => kpi.id)).toContain('timesheets_rejected'); // no project
    const refused = await api.request(
      'GET',
      '/api/kpis/business?kpi=timesheets_rejected&by=project',
      token.viewer,
    );
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'bad_request' });
    const badPeriod = await api.request('GET', '/api/kpis/business?period=fortnight', token.viewer);
    expect(badPeriod.status).toBe(400);
    const tooOld = await api.request(
      'GET',
      `/api/kpis/business?period=hour&from=${new Date(Date.now() - 100 * 86_400_000).toISOString()}&to=${new Date(Date.now() - 90 * 86_400_000).toISOString()}`,
      token.viewer,
    );
    expect(tooOld.status).toBe(400);
    expect(tooOld.body).toMatchObject({ code: 'bad_request' });
  });

  it('counts change orders per event hour', async () => {
    const perHour = (await figuresOf('kpi=change_orders_approved&by=tenant&period=hour')).filter(
      ours,
    );
    const expectedPerHour = new Map<string, number>();
    for (const { envelope } of published)
      if (
        envelope.type === 'change_order.approved' &&
        String(envelope.tenant).startsWith('kpitest-')
      ) {
        const key = `${String(envelope.time).slice(0, 13)}|${String(envelope.tenant)}`;
        expectedPerHour.set(key, (expectedPerHour.get(key) ?? 0) + 1);
      }
    expect(
      new Map(perHour.map((f) => [`${f.period?.slice(0, 13)}|${f.group.tenant}`, f.value])),
    ).toEqual(expectedPerHour);
  });

  it('does not count a message decided twice (a worker that lost its ack) twice', async () => {
    const before = await figuresOf('kpi=timesheet_hours_synced&by=tenant');
    const [row] = await plumbline.lineage(
      `type = 'timesheet.approved' AND outcome = 'accepted' AND tenant = 'kpitest-us'`,
    );
    expect(row).toBeDefined();
    const store = plumbline.infra.store;
    await store.insert(`${store.database}.lineage_v1`, [
      { ...row, delivery: row!.delivery + 1, decided_at: Date.now() },
    ]);
    await plumbline.waitForRollups();
    expect(await figuresOf('kpi=timesheet_hours_synced&by=tenant')).toEqual(before);
  });

  it('counts each message once in the integration figures, with latency, freshness, dead letters and lag', async () => {
    const rejected = published.filter((entry) => entry.outcome === 'rejected').length;
    const figures = await eventually('dead letters indexed', async () => {
      const current = await get<{
        totals: {
          accepted: number;
          rejected: number;
          delayed: number;
          successRate: number;
          latencyMs: { p50: number; p95: number; p99: number; max: number };
        };
        sources: {
          source: string;
          accepted: number;
          rejected: number;
          delayed: number;
          stale: boolean;
          lastSeenAt: string | null;
        }[];
        flows: { flow: string; lastSeenAt: string | null }[];
        deadLetters: { open: number; oldestAt: string | null };
        consumerLag: { pending: number; ackPending: number } | null;
      }>('/api/kpis/integration');
      return current.deadLetters.open === rejected ? current : undefined;
    });
    const accepted = published.length - rejected;
    expect(figures.totals).toMatchObject({ accepted, rejected });
    expect(figures.totals.successRate).toBeCloseTo(accepted / published.length, 6);
    const { p50, p95, p99, max } = figures.totals.latencyMs;
    expect(p50).toBeLessThanOrEqual(p95);
    expect(p95).toBeLessThanOrEqual(p99);
    expect(p99).toBeLessThanOrEqual(max);
    expect(max).toBeGreaterThan(0);

    for (const source of ['odoo', 'costctl', 'payroll', 'fieldservice']) {
      const sent = published.filter((entry) => entry.envelope.source === source);
      expect(
        figures.sources.find((entry) => entry.source === source),
        source,
      ).toMatchObject({
        accepted: sent.filter((entry) => entry.outcome === 'accepted').length,
        rejected: sent.filter((entry) => entry.outcome === 'rejected').length,
        stale: false,
      });
    }
    const fieldservice = figures.sources.find((entry) => entry.source === 'fieldservice');
    expect(fieldservice?.delayed).toBeGreaterThan(0);
    expect(figures.totals.delayed).toBe(fieldservice?.delayed);
    // Expected every day and never heard from.
    expect(figures.sources.find((entry) => entry.source === 'crm')).toMatchObject({
      stale: true,
      lastSeenAt: null,
    });
    expect(
      figures.flows.find((flow) => flow.flow === 'timesheet-invoicing')?.lastSeenAt,
    ).not.toBeNull();
    expect(figures.deadLetters.oldestAt).not.toBeNull();
    expect(figures.consumerLag).toMatchObject({ pending: 0 });
  });

  it("shows a tenant's caller the integration figures of their tenant only", async () => {
    const figures = await get<{
      totals: { accepted: number; rejected: number };
      deadLetters: { open: number };
      consumerLag: unknown;
    }>('/api/kpis/integration', token.canadaViewer);
    const theirs = published.filter(({ envelope }) => envelope.tenant === 'kpitest-ca');
    expect(figures.totals).toMatchObject({
      accepted: theirs.filter((entry) => entry.outcome === 'accepted').length,
      rejected: theirs.filter((entry) => entry.outcome === 'rejected').length,
    });
    expect(figures.deadLetters.open).toBe(
      theirs.filter((entry) => entry.outcome === 'rejected').length,
    );
    // Lag counts every tenant's messages.
    expect(figures.consumerLag).toBeNull();
  });
});

describe('plumbline flows and kpis (CLI)', () => {
  const cli = (...args: string[]) =>
    runCli({ PLUMBLINE_API_URL: api.baseUrl, PLUMBLINE_TOKEN: token.viewer }, ...args);

  it('lists flows and failed instances, and prints KPIs as the API has them', async () => {
    const flows = await cli('flows');
    expect(flows.code, flows.stderr).toBe(0);
    expect(flows.stdout).toMatch(
      /^quick-change-orders +\d+ +\d+ +[1-9]\d* +[1-9]\d* +[1-9]\d* +Test$/m,
    );

    const failed = await cli('flows', 'quick-change-orders', '--state', 'failed');
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.stdout).toMatch(
      /failed +flowtest +co-failed-\d+ +at step 2 commitment\.updated +dead letter \d+ \(schema_violation\)/,
    );

    const integration = await cli('kpis', '--integration', '--json');
    expect(integration.code, integration.stderr).toBe(0);
    const figures = JSON.parse(integration.stdout) as { totals: { accepted: number } };
    expect(figures.totals.accepted).toBe(
      published.filter((entry) => entry.outcome === 'accepted').length,
    );

    const hours = await cli('kpis', '--kpi', 'timesheet_hours_synced', '--by', 'tenant');
    expect(hours.code, hours.stderr).toBe(0);
    expect(hours.stdout).toContain('Timesheet hours synced (timesheet_hours_synced, hours)');
    expect(hours.stdout).toMatch(/tenant=kpitest-ca {2}[\d,]+ {2}\(\d+ envelopes\)/);

    const usage = await cli('kpis', '--business', '--integration');
    expect(usage.code).toBe(2);
  });
});

/**
 * The flow and KPI rollups against the pure definitions, on a real chDB: random lineage (steps
 * missing, late, dead-lettered, replayed, repeated, delayed) goes in the way workers write it;
 * instance states and step summaries read from the rollup must equal `deriveFlowInstances` over
 * the same rows, and business and integration figures must equal what `lineage_v1 FINAL` says.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countFlowStates,
  deriveFlowInstance,
  deriveFlowInstances,
  flowFactOf,
  type BusinessKpi,
  type FlowDefinition,
  type FlowInstance,
} from '@plumbline/core';
import { openChdbStore } from './chdb-store';
import type { ClickHouseStore } from './clickhouse-store';
import type { FlowSeal } from './flow-seals';
import { InsightsStore } from './insights-store';
import { migrate } from './migrations';
import { RollupFeed } from './rollup-feed';

const minute = 60_000;
const hour = 60 * minute;
const t0 = Date.parse('2026-05-04T08:00:00Z');
const now = t0 + 30 * hour;
const window = { from: t0, to: t0 + 24 * hour };

/** Steps by correlation id, each after the first due `slaHours` after the one before. */
const stepsOf = (types: readonly string[], slaHours: number): FlowDefinition['steps'] =>
  types.map((type, index) => ({
    index,
    type,
    title: type,
    sla: index === 0 ? undefined : `${slaHours}h`,
    slaMs: index === 0 ? undefined : slaHours * hour,
    correlation: { by: 'correlation_id' as const },
  }));

const flow: FlowDefinition = {
  id: 'orders',
  title: 'Orders',
  description: '',
  owner: 'Test',
  sla: '10h',
  slaMs: 10 * hour,
  clock: 'received',
  startsWhen: {},
  steps: stepsOf(['order.placed', 'order.packed', 'order.shipped'], 3),
};

/** A second flow over two of the first's step types, with other SLAs: one type, two flows. */
const shipping: FlowDefinition = {
  ...flow,
  id: 'shipping',
  title: 'Shipping',
  sla: '12h',
  slaMs: 12 * hour,
  steps: stepsOf(['order.packed', 'order.shipped'], 8),
};

/** A lineage row as the worker writes it (the columns the rollups read). */
interface Row {
  envelope_key: string;
  source: string;
  type: string;
  outcome: 'accepted' | 'rejected' | 'delayed';
  reason: string;
  tracked_num: Record<string, number>;
  tracked_str: Record<string, string>;
  correlation_id: string;
  business_key: string;
  tenant: string;
  region: string;
  event_time: number;
  received_at: number;
  decided_at: number;
  latency_ms: number;
  delivery: number;
  output_stream: string;
  output_seq: number;
  replay_of: string;
}

function randoms(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

let store: ClickHouseStore;
let insights: InsightsStore;
let feed: RollupFeed;
let dir: string;
/** Inserted in two waves: first deliveries, then what comes after (redeliveries, replays). */
const first: Row[] = [];
const later: Row[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plumbline-insights-'));
  store = openChdbStore(dir, 'plumbline');
  await migrate(store);
  insights = new InsightsStore(store);

  const random = randoms(7);
  let seq = 0;
  const row = (type: string, correlation: string, tenant: string, at: number): Row => {
    seq += 1;
    return {
      envelope_key: `shop:${seq}`,
      source: 'shop',
      type,
      outcome: 'accepted',
      reason: '',
      tracked_num: { amount: Math.round(random() * 10_000) / 100 },
      tracked_str: { currency: tenant === 'eu' ? 'EUR' : 'USD', project_ref: `P-${seq % 3}` },
      correlation_id: correlation,
      business_key: `K-${seq}`,
      tenant,
      region: tenant,
      event_time: at - 1_000,
      received_at: at,
      decided_at: at + 20,
      latency_ms: 20 + Math.floor(random() * 200),
      delivery: 1,
      output_stream: 'GOVERNED',
      output_seq: seq,
      replay_of: '',
    };
  };
  const rejected = (r: Row): Row => ({
    ...r,
    outcome: 'rejected',
    reason: 'schema_violation',
    tracked_num: {},
    tracked_str: {},
    business_key: '',
    output_stream: 'DEADLETTER',
  });

  for (let i = 0; i < 300; i += 1) {
    const tenant = random() < 0.5 ? 'eu' : 'us';
    const correlation = `c-${i}`;
    // Some instances start before the window (left out), some after now's reach.
    let at = t0 - 4 * hour + Math.floor(random() * 30 * hour);
    for (const step of flow.steps) {
      const roll = random();
      if (step.index > 0 && roll < 0.15) break; // never sent
      const base = row(step.type, correlation, tenant, at);
      if (roll < 0.25) {
        first.push(rejected(base));
        if (random() < 0.4)
          // replayed later and accepted: a new message, the same envelope
          later.push({
            ...base,
            received_at: at + 2 * hour,
            event_time: base.event_time,
            decided_at: at + 2 * hour + 20,
            output_seq: base.output_seq + 100_000,
            replay_of: `dlq:${base.output_seq}`,
          });
      } else if (roll < 0.35) {
        // delayed by a rate limit, decided at the second delivery
        first.push({
          ...base,
          outcome: 'delayed',
          reason: 'rate_limited',
          tracked_num: {},
          tracked_str: {},
          output_stream: '',
          output_seq: 0,
        });
        later.push({ ...base, delivery: 2, decided_at: base.decided_at + 500 });
      } else {
        first.push(base);
        if (random() < 0.1)
          // decided again after a lost ack
          later.push({ ...base, delivery: 2, decided_at: base.decided_at + 30_000 });
        if (step.index === 0 && random() < 0.3)
          // a second message of the same step (two timesheets)
          first.push(row(step.type, correlation, tenant, at + minute));
      }
      at += Math.floor(random() * 5 * hour);
    }
  }
  // As in production: the feed moves each wave into the rollups after the worker wrote it.
  feed = new RollupFeed(store, { maxRowsPerStep: 200 });
  await store.insert(`${store.database}.lineage_v1`, first);
  await feed.catchUp();
  await store.insert(`${store.database}.lineage_v1`, later);
  await feed.catchUp();
}, 60_000);

afterAll(async () => {
  await store?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const all = () => [...first, ...later];

function expectedInstances(of: FlowDefinition = flow, at = now): FlowInstance[] {
  const facts = all().flatMap((row) => {
    const fact = flowFactOf(of, row);
    return fact === undefined ? [] : [fact];
  });
  return deriveFlowInstances(of, facts, at).filter(
    (instance) => instance.startedAt >= window.from && instance.startedAt < window.to,
  );
}

/** A business KPI over order.placed amounts (money), with overrides. */
const kpi = (overrides: Partial<BusinessKpi>): BusinessKpi => ({
  id: 'k',
  title: 'k',
  description: '',
  type: 'order.placed',
  aggregation: 'sum',
  property: 'amount',
  unit: 'currency',
  currencyProperty: 'currency',
  outcome: 'accepted',
  groupBy: [],
  periods: ['hour', 'day', 'week', 'month'],
  ...overrides,
});

describe('flow rollup', () => {
  it('counts instances per state as deriveFlowInstances does, every flow in one query', async () => {
    const expected = (of: FlowDefinition) => {
      const instances = expectedInstances(of);
      expect(instances.length, of.id).toBeGreaterThan(100);
      const counts = countFlowStates(instances);
      for (const state of ['in_progress', 'breached', 'failed', 'completed'] as const)
        expect(counts[state], `${of.id} ${state}`).toBeGreaterThan(0);
      return counts;
    };
    const counts = await insights.flowStateCounts([flow, shipping], window, now, 'all');
    expect(counts).toEqual(
      new Map([
        ['orders', expected(flow)],
        ['shipping', expected(shipping)],
      ]),
    );
    expect(await insights.flowStateCounts([shipping], window, now, 'all')).toEqual(
      new Map([['shipping', expected(shipping)]]),
    );
  });

  it('pages every instance once and derives each exactly as from the lineage rows', async () => {
    const expected = new Map(
      expectedInstances().map((instance) => [
        `${instance.tenant}|${instance.correlation}`,
        instance,
      ]),
    );
    const seen: FlowInstance[] = [];
    let after: { startedAt: number; tenant: string; correlation: string } | undefined;
    for (;;) {
      const heads = await insights.flowInstanceHeads(flow, window, now, 'all', {
        limit: 40,
        ...(after === undefined ? {} : { after }),
      });
      if (heads.length === 0) break;
      const summaries = await insights.flowStepSummaries(flow, window, heads);
      for (const [index, summary] of summaries.entries()) {
        const instance = deriveFlowInstance(
          flow,
          summary.tenant,
          summary.correlation,
          summary.steps,
          now,
        );
        expect(instance.state).toBe(heads[index]?.state);
        seen.push(instance);
      }
      const last = heads.at(-1)!;
      after = { startedAt: last.startedAt, tenant: last.tenant, correlation: last.correlation };
    }
    expect(seen).toHaveLength(expected.size);
    for (const instance of seen)
      expect(instance).toEqual(expected.get(`${instance.tenant}|${instance.correlation}`));
    const starts = seen.map((instance) => instance.startedAt);
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
  });

  it("keeps to a caller's tenants", async () => {
    const counts = (await insights.flowStateCounts([flow], window, now, ['eu'])).get(flow.id);
    const eu = expectedInstances().filter((instance) => instance.tenant === 'eu');
    expect(counts).toBeDefined();
    expect(counts!.in_progress + counts!.breached + counts!.failed + counts!.completed).toBe(
      eu.length,
    );
  });
});

describe('KPI rollups', () => {
  /** lineage_v1 FINAL: the latest decision of each envelope. */
  const final = () => {
    const latest = new Map<string, Row>();
    for (const row of all()) {
      const current = latest.get(row.envelope_key);
      if (current === undefined || row.decided_at > current.decided_at)
        latest.set(row.envelope_key, row);
    }
    return [...latest.values()];
  };
  const wide = { from: t0 - 10 * hour, to: t0 + 48 * hour };

  it('sums accepted envelopes per tenant and currency as lineage FINAL does', async () => {
    const rows = await insights.businessFigures(
      kpi({}),
      { period: undefined, dimensions: [{ kind: 'column', name: 'tenant' }] },
      wide,
      'all',
    );
    const expected = new Map<string, { sum: number; envelopes: number }>();
    for (const row of final())
      if (row.type === 'order.placed' && row.outcome === 'accepted') {
        const key = `${row.tenant}|${row.tracked_str.currency}`;
        const entry = expected.get(key) ?? { sum: 0, envelopes: 0 };
        expected.set(key, {
          sum: entry.sum + (row.tracked_num.amount ?? 0),
          envelopes: entry.envelopes + 1,
        });
      }
    expect(rows).toHaveLength(expected.size);
    for (const row of rows) {
      const entry = expected.get(`${row.group[0]}|${row.currency}`);
      expect(row.envelopes).toBe(entry?.envelopes);
      expect(row.sum).toBeCloseTo(entry?.sum ?? NaN, 6);
    }
  });

  it('counts dead letters that were not replayed since, per day and tenant, as lineage FINAL does', async () => {
    const rows = await insights.businessFigures(
      kpi({
        aggregation: 'count',
        property: undefined,
        unit: 'orders',
        currencyProperty: undefined,
        outcome: 'rejected',
      }),
      { period: 'day', dimensions: [{ kind: 'column', name: 'tenant' }] },
      wide,
      'all',
    );
    const expected = new Map<string, number>();
    for (const row of final())
      if (row.type === 'order.placed' && row.outcome === 'rejected') {
        const key = `${new Date(row.event_time).toISOString().slice(0, 10)}|${row.tenant}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
    expect(expected.size).toBeGreaterThan(2);
    expect(
      new Map(
        rows.map((row) => [
          `${new Date(row.period ?? 0).toISOString().slice(0, 10)}|${row.group[0]}`,
          row.envelopes,
        ]),
      ),
    ).toEqual(expected);
  });

  it('counts the first decision of every message once in the integration figures', async () => {
    const firstDecision = new Map<string, Row>();
    const delays = all().filter((row) => row.outcome === 'delayed').length;
    for (const row of [...first, ...later]) {
      if (row.outcome === 'delayed') continue;
      const message = `${row.received_at}|${row.envelope_key}`;
      if (!firstDecision.has(message)) firstDecision.set(message, row);
    }
    const decisions = [...firstDecision.values()];
    const [totals] = (await insights.integrationFigures(wide, 'all')).filter(
      (r) => r.source === undefined,
    );
    expect(totals).toMatchObject({
      accepted: decisions.filter((row) => row.outcome === 'accepted').length,
      rejected: decisions.filter((row) => row.outcome === 'rejected').length,
      delayed: delays,
    });
    const latencies = decisions.map((row) => row.latency_ms).sort((a, b) => a - b);
    expect(totals?.latencyMs?.max).toBe(latencies.at(-1));
  });
  it('counts integration figures of the tenants asked only', async () => {
    const decided = new Map<string, Row>();
    for (const row of [...first, ...later]) {
      const message = `${row.received_at}|${row.envelope_key}`;
      if (row.outcome !== 'delayed' && !decided.has(message)) decided.set(message, row);
    }
    for (const tenant of ['eu', 'us']) {
      const [totals] = (await insights.integrationFigures(wide, [tenant])).filter(
        (r) => r.source === undefined,
      );
      const mine = [...decided.values()].filter((row) => row.tenant === tenant);
      expect(totals?.accepted).toBe(mine.filter((row) => row.outcome === 'accepted').length);
      expect(totals?.rejected).toBe(mine.filter((row) => row.outcome === 'rejected').length);
    }
    expect(await insights.integrationFigures(wide, ['nobody'])).toEqual([
      { source: undefined, accepted: 0, rejected: 0, delayed: 0, latencyMs: undefined },
    ]);
  });
});

describe('rollup feed', () => {
  // Rows a year before the other tests' window, of a type of their own.
  const at = t0 - 365 * 24 * hour;
  const feedWindow = { from: at - hour, to: at + 2 * hour };
  const message = (key: string, delivery: number, outcome: Row['outcome'] = 'accepted') => ({
    envelope_key: key,
    source: 'feedtest',
    type: 'feed.tested',
    outcome,
    reason: outcome === 'delayed' ? 'rate_limited' : '',
    tracked_num: { amount: 10 },
    tracked_str: { currency: 'EUR' },
    tenant: 'eu',
    region: 'eu',
    event_time: at,
    received_at: at,
    decided_at: at + delivery * 1_000,
    latency_ms: 5,
    delivery,
  });
  const feedTotals = async () =>
    (await insights.integrationFigures(feedWindow, 'all')).find((r) => r.source === 'feedtest');

  it('holds nothing back after catching up, and reports what is waiting', async () => {
    expect(await feed.backlog()).toEqual({ blocks: 0, rows: 0 });
    await store.insert(`${store.database}.lineage_v1`, [message('feedtest:1', 1)]);
    expect((await feed.backlog()).blocks).toBe(1);
    expect(await feed.catchUp()).toBe(1);
    expect(await feed.backlog()).toEqual({ blocks: 0, rows: 0 });
    expect(await feed.step()).toBeUndefined();
    expect(await feedTotals()).toMatchObject({ accepted: 1 });
  });

  it('counts a decision and its redelivery once when one step feeds both', async () => {
    await store.insert(`${store.database}.lineage_v1`, [message('feedtest:2', 1, 'delayed')]);
    await store.insert(`${store.database}.lineage_v1`, [message('feedtest:2', 2)]);
    await store.insert(`${store.database}.lineage_v1`, [message('feedtest:2', 3)]);
    expect(await feed.catchUp()).toBe(1);
    expect(await feedTotals()).toMatchObject({ accepted: 2, delayed: 1 });
  });

  it('repeats a step a crash interrupted without counting its rows twice', async () => {
    await store.insert(`${store.database}.lineage_v1`, [message('feedtest:3', 1)]);
    const step = await feed.step();
    expect(step?.repeated).toBe(false);
    expect(await feedTotals()).toMatchObject({ accepted: 3 });
    // The process died after the insert, before recording the range as fed.
    const [state] = await store.query<{ step: string }>(
      `SELECT max(step) AS step FROM ${store.database}.rollup_feed_v1`,
    );
    await store.insert(`${store.database}.rollup_feed_v1`, [
      {
        feed: 'lineage',
        step: Number(state?.step) + 1,
        fed_upto: step?.after,
        pending_upto: step?.upTo,
      },
    ]);
    expect(await feed.step()).toEqual({ after: step?.after, upTo: step?.upTo, repeated: true });
    expect(await feedTotals()).toMatchObject({ accepted: 3 });
    const business = await insights.businessFigures(
      kpi({ type: 'feed.tested' }),
      { period: undefined, dimensions: [] },
      feedWindow,
      'all',
    );
    expect(business).toEqual([
      { period: undefined, group: [], currency: 'EUR', envelopes: 3, sum: 30, count: 3 },
    ]);
  });

  it('keeps business figures per event hour for the last 100 days', async () => {
    const recent = Math.floor(Date.now() / hour) * hour - 5 * hour;
    const rows = [0, 0, 1, 3, 3, 3].map((hours, index) => ({
      ...message(`feedtest:h${index}`, 1),
      type: 'feed.hourly',
      event_time: recent + hours * hour + index * 1_000,
      tracked_num: { amount: index + 1 },
    }));
    const old = { ...message('feedtest:old', 1), type: 'feed.hourly', event_time: at };
    await store.insert(`${store.database}.lineage_v1`, [...rows, old]);
    await feed.catchUp();
    // TTL removes expired rows when parts merge, at a time of ClickHouse's choosing: merge now.
    await store.command(`OPTIMIZE TABLE ${store.database}.kpi_hourly_v1 FINAL`);
    const figures = await insights.businessFigures(
      kpi({ type: 'feed.hourly', unit: 'hours', currencyProperty: undefined }),
      { period: 'hour', dimensions: [] },
      { from: at - hour, to: recent + 6 * hour },
      'all',
    );
    expect(figures.map((row) => [row.period, row.envelopes, row.sum])).toEqual([
      [recent, 2, 1 + 2],
      [recent + hour, 1, 3],
      [recent + 3 * hour, 3, 4 + 5 + 6],
    ]);
  });

  it('reports only unfed rows as waiting when a merge has joined them with fed ones', async () => {
    // A month of their own, so that merging it touches no other test's rows.
    const month = at - 62 * 24 * hour;
    const row = (key: string) => ({ ...message(key, 1), event_time: month, received_at: month });
    await store.insert(`${store.database}.lineage_v1`, [row('feedtest:m1'), row('feedtest:m2')]);
    await store.insert(`${store.database}.lineage_v1`, [row('feedtest:m3')]);
    await feed.catchUp();
    await store.insert(`${store.database}.lineage_v1`, [row('feedtest:m4')]);
    const [partition] = await store.query<{ id: string }>(
      `SELECT DISTINCT _partition_id AS id FROM ${store.database}.lineage_v1
       WHERE envelope_key = 'feedtest:m4'`,
    );
    await store.command(
      `OPTIMIZE TABLE ${store.database}.lineage_v1 PARTITION ID '${partition?.id}' FINAL`,
    );
    const parts = await store.query<{ rows: string }>(
      `SELECT rows FROM system.parts WHERE database = {db:String} AND table = 'lineage_v1'
         AND active AND partition_id = {partition:String}`,
      { db: store.database, partition: partition?.id },
    );
    expect(parts.map((part) => Number(part.rows))).toEqual([4]);
    expect(await feed.backlog()).toEqual({ blocks: 1, rows: 1 });
    await feed.catchUp();
    expect(await feed.backlog()).toEqual({ blocks: 0, rows: 0 });
  });
});

describe('sealed flow instances', () => {
  const day = 24 * hour;
  // Sealed on May 6: step rows received on May 4 are sealed, those of May 5 are read as new, and
  // many instances have rows on both days.
  const sealedOn = Date.parse('2026-05-06T12:00:00Z');
  const reachMs = 2 * day;
  /** An InsightsStore over the same data that records the statements it runs. */
  const recording = () => {
    const statements: string[] = [];
    const recorded: ClickHouseStore = {
      ...store,
      query: (sql, params) => {
        statements.push(sql);
        return store.query(sql, params);
      },
    };
    return { statements, insights: new InsightsStore(recorded, { feedMarginMs: 0 }) };
  };
  const expectedCounts = (of: FlowDefinition, tenant?: string, at = now) =>
    countFlowStates(
      expectedInstances(of, at).filter(
        (instance) => tenant === undefined || instance.tenant === tenant,
      ),
    );
  let built: FlowSeal;

  it('counts from a seal and the rows since as deriveFlowInstances does', async () => {
    const { statements, insights: sealedInsights } = recording();
    built = await sealedInsights.seals.build([flow, shipping], { now: sealedOn, reachMs });
    expect(new Date(built.sealedBefore).toISOString()).toBe('2026-05-05T00:00:00.000Z');
    const [split] = await store.query<{ sealed: string; both: string }>(
      `SELECT count() AS sealed,
         countIf(instance IN (SELECT cityHash64(tenant, correlation_id) FROM ${store.database}.flow_steps_v1
           WHERE day >= '2026-05-05')) AS both
       FROM ${store.database}.flow_instances_v1 WHERE seal = {seal:String}`,
      { seal: built.seal },
    );
    expect(Number(split?.sealed)).toBeGreaterThan(100);
    expect(Number(split?.both)).toBeGreaterThan(20);

    expect(await sealedInsights.flowStateCounts([flow, shipping], window, now, 'all')).toEqual(
      new Map([
        ['orders', expectedCounts(flow)],
        ['shipping', expectedCounts(shipping)],
      ]),
    );
    expect(await sealedInsights.flowStateCounts([shipping], window, now, ['eu'])).toEqual(
      new Map([['shipping', expectedCounts(shipping, 'eu')]]),
    );
    expect(await sealedInsights.flowStateCounts([shipping], window, now, 'all')).toEqual(
      new Map([['shipping', expectedCounts(shipping)]]),
    );
    // Sealed states do not depend on the time of the read: deadlines pass after the seal.
    const breached = new Set<number>();
    for (const at of [t0 + 9 * hour, t0 + 16 * hour, t0 + 23 * hour]) {
      const expected = expectedCounts(flow, undefined, at);
      breached.add(expected.breached);
      expect(await sealedInsights.flowStateCounts([flow], window, at, 'all')).toEqual(
        new Map([['orders', expected]]),
      );
    }
    expect(breached.size).toBe(3);
    expect(statements.filter((sql) => sql.includes('flow_instances_v1'))).toHaveLength(6);
  });

  it('is not read once an SLA changes: the seal holds states by the SLAs it was built with', async () => {
    const { statements, insights: sealedInsights } = recording();
    const stricter = { ...flow, sla: '6h', slaMs: 6 * hour };
    expect(await sealedInsights.seals.newest([stricter])).toEqual({ kind: 'none' });
    expect(await sealedInsights.flowStateCounts([stricter], window, now, 'all')).toEqual(
      new Map([['orders', countFlowStates(expectedInstances(stricter))]]),
    );
    expect(statements.filter((sql) => sql.includes('flow_instances_v1'))).toHaveLength(0);
  });

  it('is not read for flows whose steps changed, nor for a window before its horizon', async () => {
    const { statements, insights: sealedInsights } = recording();
    const reordered = { ...shipping, steps: stepsOf(['order.shipped', 'order.packed'], 8) };
    expect(await sealedInsights.seals.newest([reordered])).toEqual({ kind: 'none' });
    const early = { from: built.horizon - day, to: built.horizon + day };
    await sealedInsights.flowStateCounts([flow], early, now, 'all');
    await sealedInsights.flowStateCounts([reordered], window, now, 'all');
    expect(statements.filter((sql) => sql.includes('flow_instances_v1'))).toHaveLength(0);
  });

  it('is stale once a day it holds is fed late, until a new seal replaces it', async () => {
    // A backlog: a step row received on May 4 reaches the rollups after the seal was built.
    const lateStep: Row = {
      ...first.find((row) => row.type === 'order.placed' && row.outcome === 'accepted')!,
      envelope_key: 'shop:late-1',
      type: 'order.packed',
      correlation_id: 'c-late',
      received_at: t0 + 2 * hour,
      decided_at: t0 + 2 * hour + 20,
      event_time: t0 + 2 * hour - 1_000,
      output_seq: 900_001,
    };
    later.push(lateStep, {
      ...lateStep,
      envelope_key: 'shop:late-0',
      type: 'order.placed',
      received_at: t0 + hour,
      decided_at: t0 + hour + 20,
      event_time: t0 + hour - 1_000,
      output_seq: 900_000,
    });
    await store.insert(`${store.database}.lineage_v1`, later.slice(-2));
    await feed.catchUp();

    const { statements, insights: sealedInsights } = recording();
    expect(await sealedInsights.seals.newest([flow])).toMatchObject({
      kind: 'stale',
      seal: { seal: built.seal },
    });
    const counts = async () => sealedInsights.flowStateCounts([flow, shipping], window, now, 'all');
    const expected = new Map([
      ['orders', expectedCounts(flow)],
      ['shipping', expectedCounts(shipping)],
    ]);
    expect(await counts()).toEqual(expected);
    expect(statements.filter((sql) => sql.includes('flow_instances_v1'))).toHaveLength(0);

    const rebuilt = await sealedInsights.seals.build([flow, shipping], { now: sealedOn, reachMs });
    expect(await sealedInsights.seals.newest([flow])).toMatchObject({
      kind: 'holds',
      seal: { seal: rebuilt.seal },
    });
    expect(await counts()).toEqual(expected);
    expect(statements.filter((sql) => sql.includes('flow_instances_v1'))).toHaveLength(1);

    expect(await sealedInsights.seals.dropReplaced(rebuilt)).toEqual([built.seal]);
    const [left] = await store.query<{ seals: string[] }>(
      `SELECT groupUniqArray(seal) AS seals FROM ${store.database}.flow_instances_v1`,
    );
    expect(left?.seals).toEqual([rebuilt.seal]);
    expect(await counts()).toEqual(expected);
  });

  it('leaves seals of other flow definitions to their builder until they are abandoned', async () => {
    const { insights: sealedInsights } = recording();
    const [previous] = await store.query<{ seal: string }>(
      `SELECT seal FROM ${store.database}.flow_seals_v1`,
    );
    // Another process during a rolling deploy, with another SLA for one flow.
    const stricter = { ...flow, sla: '6h', slaMs: 6 * hour };
    const other = await sealedInsights.seals.build([stricter], { now: sealedOn, reachMs });
    const keep = await sealedInsights.seals.build([flow, shipping], { now: sealedOn, reachMs });

    expect(await sealedInsights.seals.dropReplaced(keep)).toEqual([previous?.seal]);
    expect(await sealedInsights.seals.newest([stricter])).toMatchObject({
      kind: 'holds',
      seal: { seal: other.seal },
    });
    const threeDaysLater = { ...keep, builtAt: keep.builtAt + 3 * day };
    expect(await sealedInsights.seals.dropReplaced(threeDaysLater)).toEqual([other.seal]);
    expect(await sealedInsights.seals.newest([stricter])).toEqual({ kind: 'none' });
  });
});

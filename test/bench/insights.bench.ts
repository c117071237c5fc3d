/**
 * `npm run bench:insights`: how fast the flow and KPI queries answer over 10 million lineage rows
 * on this machine; the last line of output is JSON.
 *
 * 1. A temporary chDB with the migrations (the rollups and their materialized views included).
 * 2. Lineage generated in SQL (`insights-data.ts`): one year of realistic traffic, 10,000,000 rows
 *    ending now, inserted in large blocks, then moved into the rollups by the rollup feed as the
 *    worker process does (timed separately); the dead-letter index filled from the rejected rows
 *    (replayed ones marked replayed, those older than the 30-day retention expired); the flow
 *    instances sealed as the flow sealer does at start (timed; the seal must hold, see below).
 * 3. Waits at least 30 s, and until no background merge runs (at most BENCH_SETTLE_SECONDS), so
 *    that the writes of the load are behind it.
 * 4. Runs every query three times (cold caches and ClickHouse compiling the expressions of a
 *    query at their third use are start-up costs, not a query's), then times every
 *    ClickHouse query the flow and KPI routes run, BENCH_RUNS times each (default 7): p50 and
 *    max per query, and each route as a whole. The consumer lag is a NATS call, not timed here.
 * Environment: BENCH_ROWS (10000000), BENCH_RUNS (7), BENCH_SETTLE_SECONDS (180).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InsightsService, insightsLimits } from '@plumbline/insights';
import {
  InsightsStore,
  RollupFeed,
  isRolledUp,
  migrate,
  openChdbStore,
  readInsightsPolicies,
  readPolicyFiles,
} from '@plumbline/platform';
import type { KpiDimension } from '@plumbline/core';
import { repoRoot } from '../support/repo';
import { generateLineage } from './insights-data';

const rows = Number(process.env.BENCH_ROWS ?? 10_000_000);
const runs = Number(process.env.BENCH_RUNS ?? 7);
const settleSeconds = Number(process.env.BENCH_SETTLE_SECONDS ?? 180);
const log = (line: string) => process.stderr.write(`${line}\n`);
const day = 86_400_000;

const dir = mkdtempSync(join(tmpdir(), 'plumbline-insights-bench-'));
const store = openChdbStore(dir, 'plumbline');
const db = store.database;
try {
  await migrate(store);
  const policiesDir = join(repoRoot(), 'policies');
  const policies = await readInsightsPolicies(
    policiesDir,
    (await readPolicyFiles(policiesDir)).naming,
  );
  const now = Date.now();
  // No feed margin: the margin keeps a seal from being read while a feed step that began before
  // its build may still commit rows of a sealed day. Here the feed has finished before the build,
  // as in a live system ten minutes after a backlog (when the sealer rebuilds a stale seal).
  const insights = new InsightsStore(store, { feedMarginMs: 0 });
  const service = await InsightsService.open({ store: insights, policies, now: () => now });

  log(`generating ${rows} lineage rows (one year up to now)…`);
  let t0 = performance.now();
  const generated = await generateLineage(store, { rows, endMs: now, spanMs: 365 * day });
  const loadSeconds = (performance.now() - t0) / 1000;
  log(`loaded ${JSON.stringify(generated)} in ${loadSeconds.toFixed(0)} s`);
  t0 = performance.now();
  const feedSteps = await new RollupFeed(store).catchUp();
  const feedSeconds = (performance.now() - t0) / 1000;
  log(`fed the rollups in ${feedSteps} steps, ${feedSeconds.toFixed(0)} s`);
  // What the flow sealer does at start (and after every midnight).
  t0 = performance.now();
  await insights.seals.build(policies.flows.filter(isRolledUp), {
    now,
    reachMs: insightsLimits.flows.maxSpanMs,
  });
  const sealSeconds = (performance.now() - t0) / 1000;
  const seal = (await insights.seals.newest(policies.flows.filter(isRolledUp))).kind;
  log(`sealed the flow instances in ${sealSeconds.toFixed(1)} s; the seal ${seal}`);
  if (seal !== 'holds') throw new Error(`the flow overview would not read the seal (${seal})`);

  await store.command(`
    INSERT INTO ${db}.dead_letters_v1 (seq, envelope_key, envelope_id, ingest_subject, ingest_seq,
      source, type, contract_version, reason, detail, errors, problem_key, correlation_id, tenant,
      region, received_at, dead_lettered_at, size_bytes, state, state_changed_at)
    SELECT output_seq, envelope_key, envelope_id, concat('ingest.', source, '.', type), ingest_seq,
      source, type, contract_version, reason, reason_detail, errors, concat(reason, '|', type, '|'),
      correlation_id, tenant, region, received_at, decided_at, size_bytes, 'open', decided_at
    FROM ${db}.lineage_v1 WHERE outcome = 'rejected'`);
  await store.command(`
    INSERT INTO ${db}.dead_letters_v1 (seq, envelope_key, type, reason, received_at,
      dead_lettered_at, state, state_changed_at)
    SELECT seq, envelope_key, type, reason, received_at, dead_lettered_at,
      if(seq IN (SELECT toUInt64(substring(replay_of, 5)) FROM ${db}.lineage_v1 WHERE replay_of != ''),
        'replayed', 'expired'),
      dead_lettered_at + toIntervalDay(2)
    FROM ${db}.dead_letters_v1
    WHERE seq IN (SELECT toUInt64(substring(replay_of, 5)) FROM ${db}.lineage_v1 WHERE replay_of != '')
      OR dead_lettered_at < now64(3) - toIntervalDay(30)`);

  log(`waiting up to ${settleSeconds} s for background merges to settle…`);
  t0 = performance.now();
  let quiet = 0;
  while (
    (quiet < 5 || performance.now() - t0 < 30_000) &&
    performance.now() - t0 < settleSeconds * 1000
  ) {
    const [merging] = await store.query<{ merges: string }>(
      `SELECT count() AS merges FROM system.merges WHERE database = '${db}'`,
    );
    quiet = Number(merging?.merges ?? 0) === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  const settleSeconds_ = Math.round((performance.now() - t0) / 1000);
  const parts = await store.query<{ table: string; parts: string; rows: string }>(
    `SELECT table, count() AS parts, sum(rows) AS rows FROM system.parts
     WHERE database = '${db}' AND active GROUP BY table ORDER BY table`,
  );
  log(
    `settled after ${settleSeconds_} s: ${parts.map((p) => `${p.table} ${p.rows} rows/${p.parts} parts`).join(', ')}`,
  );

  const timings: Record<string, { p50_ms: number; max_ms: number }> = {};
  let warming = true;
  const time = async (name: string, query: () => Promise<unknown>) => {
    if (warming) {
      // ClickHouse compiles a query's expressions at their third use
      // (min_count_to_compile_expression), a one-off 0.3-0.4 s per process and query shape.
      for (let run = 0; run < 3; run += 1) await query();
      return;
    }
    await query();
    const samples: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const start = performance.now();
      await query();
      samples.push(performance.now() - start);
    }
    samples.sort((a, b) => a - b);
    timings[name] = {
      p50_ms: Math.round(samples[Math.floor(samples.length / 2)] ?? 0),
      max_ms: Math.round(samples.at(-1) ?? 0),
    };
    log(`${name}: p50 ${timings[name].p50_ms} ms, max ${timings[name].max_ms} ms`);
  };

  const tenantOne = 'acme-build-ca';
  const queries = async () => {
    // Flows: the counts per state of every flow (GET /api/flows, one query) and a page of each
    // flow's instances, default and widest window.
    for (const [label, spanDays] of [
      ['30d', 30],
      ['92d', 92],
    ] as const) {
      const window = { from: now - spanDays * day, to: now };
      const rolledUp = policies.flows.filter(isRolledUp);
      await time(`flow_counts_${label}`, () =>
        insights.flowStateCounts(rolledUp, window, now, 'all'),
      );
      for (const flow of rolledUp) {
        await time(`flow_page_${label}.${flow.id}`, async () => {
          const heads = await insights.flowInstanceHeads(flow, window, now, 'all', { limit: 51 });
          await insights.flowStepSummaries(flow, window, heads.slice(0, 50));
        });
      }
    }
    const failedPage = policies.flows[0];
    if (failedPage !== undefined)
      await time(`flow_page_failed_30d.${failedPage.id}`, () =>
        service.flowInstances(failedPage.id, { state: 'failed', limit: 50 }, 'all'),
      );

    // Business KPIs: every KPI over the default 30 days by tenant; by month and project over a year
    // (where the KPI allows it); by day and tenant over a quarter.
    const project: KpiDimension = { kind: 'tracked', name: 'project', property: 'project_ref' };
    for (const kpi of policies.kpis.business) {
      const tenant = kpi.groupBy.find((d) => d.name === 'tenant');
      await time(`kpi_business_30d_by_tenant.${kpi.id}`, () =>
        insights.businessFigures(
          kpi,
          { period: undefined, dimensions: tenant === undefined ? [] : [tenant] },
          { from: now - 30 * day, to: now },
          'all',
        ),
      );
      if (kpi.periods.includes('day'))
        await time(`kpi_business_92d_daily_by_tenant.${kpi.id}`, () =>
          insights.businessFigures(
            kpi,
            { period: 'day', dimensions: tenant === undefined ? [] : [tenant] },
            { from: now - 92 * day, to: now },
            'all',
          ),
        );
      if (kpi.periods.includes('hour'))
        await time(`kpi_business_31d_hourly.${kpi.id}`, () =>
          insights.businessFigures(
            kpi,
            { period: 'hour', dimensions: [] },
            { from: now - 31 * day, to: now },
            'all',
          ),
        );
      if (kpi.groupBy.some((d) => d.name === 'project') && kpi.periods.includes('month'))
        await time(`kpi_business_365d_monthly_by_project.${kpi.id}`, () =>
          insights.businessFigures(
            kpi,
            { period: 'month', dimensions: [project] },
            { from: now - 365 * day, to: now },
            'all',
          ),
        );
    }

    // Integration KPIs: the default day and the widest window (31 days).
    await time('kpi_integration_24h', () =>
      insights.integrationFigures({ from: now - day, to: now }, 'all'),
    );
    await time('kpi_integration_31d', () =>
      insights.integrationFigures({ from: now - 31 * day, to: now }, 'all'),
    );
    await time('kpi_integration_31d_one_tenant', () =>
      insights.integrationFigures({ from: now - 31 * day, to: now }, [tenantOne]),
    );
    await time('source_activity', () => insights.sourceActivity('all'));
    await time('dead_letters_open', () => insights.openDeadLetters('all'));
  };
  await queries();
  warming = false;
  await queries();

  // The routes as a whole (several queries each, in sequence).
  const routes: Record<string, { p50_ms: number; max_ms: number }> = {};
  for (const [name, route] of [
    ['GET /api/flows', () => service.flowOverview({}, 'all')],
    ['GET /api/kpis/business', () => service.businessKpis({ by: ['tenant'] }, 'all')],
    ['GET /api/kpis/integration', () => service.integrationKpis({}, 'all')],
  ] as const) {
    await route();
    await time(`route ${name}`, route);
    routes[name] = timings[`route ${name}`]!;
    delete timings[`route ${name}`];
  }

  const maxMs = Math.max(...Object.values(timings).map((t) => t.max_ms));
  const slowest = Object.entries(timings).sort((a, b) => b[1].max_ms - a[1].max_ms)[0]?.[0];
  log(`slowest query: ${slowest} (${maxMs} ms); target: every query under 300 ms`);
  process.stdout.write(
    `${JSON.stringify({
      rows: generated.rows,
      span_days: 365,
      load_s: Math.round(loadSeconds),
      feed_s: Math.round(feedSeconds),
      seal_s: Math.round(sealSeconds * 10) / 10,
      settle_s: settleSeconds_,
      runs,
      queries: timings,
      routes,
      max_ms: maxMs,
      slowest,
      store: store.transport,
    })}\n`,
  );
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

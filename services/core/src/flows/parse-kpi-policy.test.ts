import kpisSchema from '@plumbline/schemas/policies/kpis.json' with { type: 'json' };
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAnnotations } from '../contracts/annotations';
import { formatPolicyProblem } from '../policies/parse-policy-file';
import { durationPattern } from './duration';
import { integrationKpiIds, integrationKpis, type KpiPolicy } from './kpi-definition';
import { parseKpiPolicy } from './parse-kpi-policy';

function repoRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'turbo.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('no turbo.json above the test file');
    dir = parent;
  }
  return dir;
}

const root = repoRoot();
const lines = (...text: string[]) => `${text.join('\n')}\n`;
const policyOf = (text: string, name = 'kpis.yaml'): KpiPolicy => {
  const result = parseKpiPolicy({ name, text });
  if (!result.ok) throw new Error(result.problems.map(formatPolicyProblem).join('\n'));
  return result.value;
};
const problemLines = (text: string): string[] => {
  const result = parseKpiPolicy({ name: 'kpis.yaml', text });
  if (result.ok) throw new Error('expected problems');
  return result.problems.map(formatPolicyProblem);
};

/** Tracked property names per type, numeric and string, from the latest contract version. */
function trackedByType(): Map<string, { numbers: Set<string>; strings: Set<string> }> {
  const contractsDir = join(root, 'schemas', 'contracts');
  const result = new Map<string, { numbers: Set<string>; strings: Set<string> }>();
  for (const type of readdirSync(contractsDir)) {
    const versions = readdirSync(join(contractsDir, type))
      .filter((name) => /^v\d+\.json$/.test(name))
      .sort((a, b) => Number(a.slice(1, -5)) - Number(b.slice(1, -5)));
    const latest = versions.at(-1);
    if (latest === undefined) continue;
    const schema = JSON.parse(readFileSync(join(contractsDir, type, latest), 'utf8')) as {
      properties?: Record<string, { type?: unknown }>;
    };
    const { tracked } = readAnnotations(schema);
    const kind = (name: string) => schema.properties?.[name]?.type;
    result.set(type, {
      numbers: new Set(
        tracked.filter((name) => ['number', 'integer'].includes(String(kind(name)))),
      ),
      strings: new Set(tracked.filter((name) => kind(name) === 'string')),
    });
  }
  return result;
}

describe('parseKpiPolicy', () => {
  const repo = () => policyOf(readFileSync(join(root, 'policies', 'kpis.yaml'), 'utf8'));

  it('loads the repository kpis.yaml with defaults applied', () => {
    const policy = repo();
    expect(policy.dimensions).toEqual({ project: 'project_ref', cost_code: 'cost_code' });
    expect(policy.sources.odoo).toEqual({ expectedEvery: '15m', expectedEveryMs: 15 * 60_000 });
    expect(policy.sources.payroll?.expectedEveryMs).toBe(86_400_000);
    const byId = new Map(policy.business.map((kpi) => [kpi.id, kpi]));
    expect(byId.get('change_order_value_approved')).toEqual({
      id: 'change_order_value_approved',
      title: 'Approved change-order value',
      description: 'Sum of the amounts of approved change orders (negative for deductive changes).',
      type: 'change_order.approved',
      aggregation: 'sum',
      property: 'amount',
      unit: 'currency',
      currencyProperty: 'currency',
      outcome: 'accepted',
      groupBy: [
        { kind: 'column', name: 'tenant' },
        { kind: 'column', name: 'region' },
        { kind: 'tracked', name: 'project', property: 'project_ref' },
        { kind: 'tracked', name: 'cost_code', property: 'cost_code' },
      ],
      periods: ['hour', 'day', 'week', 'month'],
    });
    expect(byId.get('invoices_posted')).toMatchObject({
      type: 'invoice.posted',
      aggregation: 'count',
      property: undefined,
      currencyProperty: undefined,
    });
    expect(byId.get('invoiced_amount')).toMatchObject({
      property: 'amount_total',
      unit: 'currency',
    });
    expect(byId.get('timesheet_hours_synced')).toMatchObject({
      type: 'timesheet.approved',
      aggregation: 'sum',
      property: 'hours',
      unit: 'hours',
      periods: ['day', 'week', 'month'],
    });
    expect(byId.get('timesheets_rejected')?.outcome).toBe('rejected');
  });

  it('reads only properties the contracts track, as numbers or strings as needed', () => {
    const tracked = trackedByType();
    const policy = repo();
    const wrong: string[] = [];
    for (const kpi of policy.business) {
      const contract = tracked.get(kpi.type);
      if (contract === undefined) {
        wrong.push(`${kpi.id}: no contract for ${kpi.type}`);
        continue;
      }
      if (kpi.property !== undefined && !contract.numbers.has(kpi.property))
        wrong.push(`${kpi.id}: ${kpi.property} is not a tracked number of ${kpi.type}`);
      if (kpi.currencyProperty !== undefined && !contract.strings.has(kpi.currencyProperty))
        wrong.push(`${kpi.id}: ${kpi.currencyProperty} is not a tracked string of ${kpi.type}`);
      for (const dimension of kpi.groupBy)
        if (dimension.kind === 'tracked' && !contract.strings.has(dimension.property))
          wrong.push(`${kpi.id}: ${dimension.property} is not a tracked string of ${kpi.type}`);
    }
    expect(wrong).toEqual([]);
  });

  it('keeps the duration pattern of the schema and the parser in step', () => {
    expect(kpisSchema.$defs.duration.pattern).toBe(durationPattern);
  });

  it('defaults dimensions, sources, outcome, groupBy and periods', () => {
    const policy = policyOf(
      lines(
        'kpis:',
        '  - id: invoices_posted',
        '    title: Invoices posted',
        '    type: invoice.posted',
        '    aggregation: count',
        '    unit: invoices',
      ),
    );
    expect(policy).toEqual({
      dimensions: {},
      sources: {},
      business: [
        {
          id: 'invoices_posted',
          title: 'Invoices posted',
          description: '',
          type: 'invoice.posted',
          aggregation: 'count',
          property: undefined,
          unit: 'invoices',
          currencyProperty: undefined,
          outcome: 'accepted',
          groupBy: [
            { kind: 'column', name: 'tenant' },
            { kind: 'column', name: 'region' },
            { kind: 'column', name: 'source' },
          ],
          periods: ['hour', 'day', 'week', 'month'],
        },
      ],
    });
  });

  it('takes another currency property when told', () => {
    const policy = policyOf(
      lines(
        'kpis:',
        '  - id: budget_value',
        '    title: Budget',
        '    type: budget.revised',
        '    aggregation: avg',
        '    property: revised_amount',
        '    unit: currency',
        '    currencyProperty: budget_currency',
      ),
    );
    expect(policy.business[0]).toMatchObject({
      aggregation: 'avg',
      currencyProperty: 'budget_currency',
    });
  });

  it('reports schema problems with line and column', () => {
    const text = lines(
      'sources:', // 1
      '  odoo: { expectedEvery: 15 minutes }', // 2
      'kpis:', // 3
      '  - id: Invoices', // 4
      '    title: Invoices posted', // 5
      '    type: invoice.posted', // 6
      '    aggregation: median', // 7
      '    unit: invoices', // 8
      '    periods: [year]', // 9
    );
    expect(problemLines(text)).toEqual([
      "kpis.yaml:2:11 /sources/odoo/expectedEvery '15 minutes' is not valid. A duration: whole units in descending order, each at most once (90s, 15m, 4h, 2d, 1w, 1d12h), or ISO 8601 without years and months (PT4H, P2D, P1DT12H). At most 366 days.",
      "kpis.yaml:4:5 /kpis/0/id 'Invoices' is not valid. KPI id in snake_case, e.g. invoices_posted: unique, not a built-in integration KPI id, and stable (rollups and API paths use it).",
      "kpis.yaml:7:5 /kpis/0/aggregation is 'median'; must be one of 'count', 'sum', 'avg'",
      "kpis.yaml:9:15 /kpis/0/periods/0 is 'year'; must be one of 'hour', 'day', 'week', 'month'",
    ]);
  });

  it('reports what the schema cannot say, each at its key', () => {
    const text = lines(
      'dimensions:', // 1
      '  project: project_ref', // 2
      '  region: region_code', // 3
      'sources:', // 4
      '  Odoo: { expectedEvery: 15m }', // 5
      '  crm: { expectedEvery: 0h }', // 6
      'kpis:', // 7
      '  - id: throughput', // 8
      '    title: Throughput', // 9
      '    type: Invoice.Posted', // 10
      '    aggregation: count', // 11
      '    property: amount_total', // 12
      '    unit: currency', // 13
      '  - id: hours', // 14
      '    title: Hours', // 15
      '    type: timesheet.approved', // 16
      '    aggregation: sum', // 17
      '    unit: hours', // 18
      '    currencyProperty: currency', // 19
      '    groupBy: [tenant, project, period, employee]', // 20
      '  - id: hours', // 21
      '    title: Hours rejected', // 22
      '    type: timesheet.approved', // 23
      '    aggregation: sum', // 24
      '    property: hours', // 25
      '    unit: hours', // 26
      '    outcome: rejected', // 27
      '    groupBy: [project]', // 28
    );
    expect(problemLines(text)).toEqual([
      "kpis.yaml:3:3 /dimensions/region 'region' is a built-in dimension (tenant, region, source, type, period); choose another name",
      "kpis.yaml:5:3 /sources/Odoo source 'Odoo' does not match the naming rule ^[a-z][a-z0-9-]{1,39}$",
      "kpis.yaml:6:10 /sources/crm/expectedEvery '0h' must be longer than zero",
      `kpis.yaml:8:5 /kpis/0/id 'throughput' is a built-in integration KPI (${integrationKpiIds.join(', ')}); choose another id`,
      "kpis.yaml:10:5 /kpis/0/type 'Invoice.Posted' does not match the naming rule ^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$",
      "kpis.yaml:12:5 /kpis/0/property is not read by aggregation 'count'; remove it or use sum or avg",
      "kpis.yaml:13:5 /kpis/0/unit 'currency' needs aggregation sum or avg; a count is not an amount",
      "kpis.yaml:17:5 /kpis/1/aggregation 'sum' needs property: the tracked number to add up",
      "kpis.yaml:19:5 /kpis/1/currencyProperty is read only when unit is 'currency' (here 'hours')",
      "kpis.yaml:20:32 /kpis/1/groupBy/2 'period' is not a dimension (allowed: tenant, region, source, type, project; declare others under dimensions; periods go in periods)",
      "kpis.yaml:20:40 /kpis/1/groupBy/3 'employee' is not a dimension (allowed: tenant, region, source, type, project; declare others under dimensions; periods go in periods)",
      "kpis.yaml:21:5 /kpis/2/id 'hours' is already /kpis/1",
      "kpis.yaml:27:5 /kpis/2/outcome 'rejected' rows have no tracked properties (lineage keeps them for accepted messages only), yet this KPI reads property hours, dimension project",
    ]);
  });

  it('checks types and sources against the naming policy in force', () => {
    const text = lines(
      'sources:',
      '  odoo: { expectedEvery: 15m }',
      'kpis:',
      '  - id: invoices_posted',
      '    title: Invoices posted',
      '    type: invoice.posted',
      '    aggregation: count',
      '    unit: invoices',
    );
    const naming = { typePattern: '^finance\\.[a-z.]+$', sourcePattern: '^erp-[a-z]+$' };
    const result = parseKpiPolicy({ name: 'kpis.yaml', text }, { naming });
    expect(result.ok ? [] : result.problems.map((problem) => problem.pointer)).toEqual([
      '/sources/odoo',
      '/kpis/0/type',
    ]);
  });
});

describe('integrationKpis', () => {
  it('lists every built-in id once, each with a title and unit', () => {
    expect(integrationKpis.map((kpi) => kpi.id)).toEqual(integrationKpiIds);
    expect(integrationKpiIds).toEqual([
      'throughput',
      'success_rate',
      'latency_p50',
      'latency_p95',
      'latency_p99',
      'dead_letter_depth',
      'dead_letter_age',
      'consumer_lag',
      'freshness',
    ]);
    for (const kpi of integrationKpis) {
      expect(kpi.title, kpi.id).not.toBe('');
      expect(kpi.unit, kpi.id).not.toBe('');
    }
  });
});

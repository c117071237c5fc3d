import { describe, expect, it } from 'vitest';
import type { BusinessKpi } from './kpi-definition';
import { kpiValue, planBusinessKpi, trackedDimensionProperties } from './kpi-query';

const hours: BusinessKpi = {
  id: 'timesheet_hours_synced',
  title: 'Timesheet hours synced',
  description: '',
  type: 'timesheet.approved',
  aggregation: 'sum',
  property: 'hours',
  unit: 'hours',
  currencyProperty: undefined,
  outcome: 'accepted',
  groupBy: [
    { kind: 'column', name: 'tenant' },
    { kind: 'tracked', name: 'project', property: 'project_ref' },
  ],
  periods: ['day', 'week', 'month'],
};
const value: BusinessKpi = {
  ...hours,
  id: 'change_order_value_approved',
  property: 'amount',
  unit: 'currency',
  currencyProperty: 'currency',
  groupBy: [
    { kind: 'column', name: 'region' },
    { kind: 'tracked', name: 'cost_code', property: 'cost_code' },
  ],
};

describe('planBusinessKpi', () => {
  it('resolves the dimensions asked, in the order asked, once each', () => {
    expect(
      planBusinessKpi(hours, { period: 'week', by: ['project', 'tenant', 'project'] }),
    ).toEqual({
      ok: true,
      kpi: hours,
      period: 'week',
      dimensions: [
        { kind: 'tracked', name: 'project', property: 'project_ref' },
        { kind: 'column', name: 'tenant' },
      ],
    });
    expect(planBusinessKpi(hours, { period: undefined, by: [] })).toMatchObject({
      ok: true,
      period: undefined,
      dimensions: [],
    });
  });

  it("says why a period or a dimension the KPI does not allow can't be shown", () => {
    expect(planBusinessKpi(hours, { period: 'hour', by: [] })).toEqual({
      ok: false,
      kpi: hours,
      reason: "'timesheet_hours_synced' is shown per day, week, month, not per hour",
    });
    expect(planBusinessKpi(hours, { period: 'day', by: ['region'] })).toEqual({
      ok: false,
      kpi: hours,
      reason: "'timesheet_hours_synced' breaks down by tenant, project, not by region",
    });
  });
});

describe('kpiValue', () => {
  const aggregate = { envelopes: 4, sum: 120, count: 3 };
  it('counts envelopes, sums the property, or averages it over the envelopes carrying it', () => {
    expect(kpiValue({ ...hours, aggregation: 'count', property: undefined }, aggregate)).toBe(4);
    expect(kpiValue(hours, aggregate)).toBe(120);
    expect(kpiValue({ ...hours, aggregation: 'avg' }, aggregate)).toBe(40);
    expect(
      kpiValue({ ...hours, aggregation: 'avg' }, { envelopes: 2, sum: 0, count: 0 }),
    ).toBeNull();
  });
});

describe('trackedDimensionProperties', () => {
  it('lists the tracked properties the KPIs group by and their currencies, once, sorted', () => {
    expect(trackedDimensionProperties([hours, value, hours])).toEqual([
      'cost_code',
      'currency',
      'project_ref',
    ]);
    expect(trackedDimensionProperties([])).toEqual([]);
  });
});

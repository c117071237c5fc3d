import type { BusinessKpi, KpiDimension, KpiPeriod } from './kpi-definition';

/** What a caller asks of the business KPIs. */
export interface BusinessKpiRequest {
  /** Time bucket of the figures; `undefined`: one figure for the whole window. */
  readonly period: KpiPeriod | undefined;
  /** Dimensions to break the figures down by, by name (`tenant`, `project`, …). */
  readonly by: readonly string[];
}

/** How one KPI answers a request, or why it cannot. */
export type BusinessKpiPlan =
  | {
      readonly ok: true;
      readonly kpi: BusinessKpi;
      readonly period: KpiPeriod | undefined;
      /** In the order asked. */
      readonly dimensions: readonly KpiDimension[];
    }
  | { readonly ok: false; readonly kpi: BusinessKpi; readonly reason: string };

/**
 * Whether `kpi` may be shown as asked: the period must be one of the KPI's `periods` and every
 * dimension one of its `groupBy` (kpis.yaml). Money is always broken down by currency on top.
 */
export function planBusinessKpi(kpi: BusinessKpi, request: BusinessKpiRequest): BusinessKpiPlan {
  if (request.period !== undefined && !kpi.periods.includes(request.period))
    return {
      ok: false,
      kpi,
      reason: `'${kpi.id}' is shown per ${kpi.periods.join(', ')}, not per ${request.period}`,
    };
  const dimensions: KpiDimension[] = [];
  for (const name of request.by) {
    const dimension = kpi.groupBy.find((candidate) => candidate.name === name);
    if (dimension === undefined)
      return {
        ok: false,
        kpi,
        reason: `'${kpi.id}' breaks down by ${kpi.groupBy.map((d) => d.name).join(', ')}, not by ${name}`,
      };
    if (!dimensions.includes(dimension)) dimensions.push(dimension);
  }
  return { ok: true, kpi, period: request.period, dimensions };
}

/** What a rollup keeps of the envelopes behind one figure. */
export interface KpiAggregate {
  /** Envelopes counted (net of replayed dead letters, see the rollups). */
  readonly envelopes: number;
  /** Sum of the KPI's property over the envelopes that carry it. */
  readonly sum: number;
  /** How many envelopes carry the property. */
  readonly count: number;
}

/**
 * The figure: `count` counts envelopes, `sum` adds the property, `avg` divides that sum by the
 * envelopes carrying the property (`null` when none does).
 */
export function kpiValue(kpi: BusinessKpi, aggregate: KpiAggregate): number | null {
  switch (kpi.aggregation) {
    case 'count':
      return aggregate.envelopes;
    case 'sum':
      return aggregate.sum;
    case 'avg':
      return aggregate.count > 0 ? aggregate.sum / aggregate.count : null;
  }
}

/** The tracked string properties a rollup must keep for these KPIs: dimensions and currencies. */
export function trackedDimensionProperties(kpis: readonly BusinessKpi[]): string[] {
  const properties = new Set<string>();
  for (const kpi of kpis) {
    for (const dimension of kpi.groupBy)
      if (dimension.kind === 'tracked') properties.add(dimension.property);
    if (kpi.currencyProperty !== undefined) properties.add(kpi.currencyProperty);
  }
  return [...properties].sort();
}

/**
 * KPIs: business figures computed from the tracked properties lineage keeps (approved
 * change-order value, invoices posted, timesheet hours synced, …), declared in
 * `policies/kpis.yaml` (validated by `schemas/policies/kpis.schema.json`), and the integration
 * figures every deployment has, built in.
 */

/** How a business KPI aggregates the matching lineage rows. */
export const KpiAggregation = {
  Count: 'count',
  Sum: 'sum',
  Avg: 'avg',
} as const;
export type KpiAggregation = (typeof KpiAggregation)[keyof typeof KpiAggregation];

/** Which outcomes a KPI counts; `any` counts every lineage row of the type. */
export type KpiOutcome = 'accepted' | 'rejected' | 'delayed' | 'any';

/** Time buckets a KPI can be shown in. */
export const KpiPeriod = {
  Hour: 'hour',
  Day: 'day',
  Week: 'week',
  Month: 'month',
} as const;
export type KpiPeriod = (typeof KpiPeriod)[keyof typeof KpiPeriod];
export const kpiPeriods: readonly KpiPeriod[] = Object.values(KpiPeriod);

/** Dimensions every lineage row has, by their lineage column. */
export const lineageDimensions = ['tenant', 'region', 'source', 'type'] as const;
export type LineageDimension = (typeof lineageDimensions)[number];

/**
 * A dimension a KPI may be grouped by: a lineage column, or a tracked string property declared
 * under `dimensions` in kpis.yaml (e.g. `project` reads `project_ref`).
 */
export type KpiDimension =
  | { readonly kind: 'column'; readonly name: LineageDimension }
  | { readonly kind: 'tracked'; readonly name: string; readonly property: string };

export interface BusinessKpi {
  /** snake_case id, stable: stored with rollups and used in API paths. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** The exact event type whose lineage rows are aggregated. */
  readonly type: string;
  readonly aggregation: KpiAggregation;
  /** The tracked numeric property summed or averaged; `undefined` for `count`. */
  readonly property: string | undefined;
  /** Display unit: `currency` for money, else e.g. `hours`, `days`, `invoices`. */
  readonly unit: string;
  /**
   * For `unit: currency`, the tracked string property holding the ISO 4217 code. Money is always
   * reported per currency, never added across currencies. `undefined` for other units.
   */
  readonly currencyProperty: string | undefined;
  readonly outcome: KpiOutcome;
  /** The dimensions the KPI may be grouped by, in the order written. */
  readonly groupBy: readonly KpiDimension[];
  /** The time buckets it may be shown in. */
  readonly periods: readonly KpiPeriod[];
}

/** How often a source is expected to send something; silent for longer, it is stale. */
export interface SourceFreshness {
  /** As written (`15m`) and in milliseconds. */
  readonly expectedEvery: string;
  readonly expectedEveryMs: number;
}

export interface KpiPolicy {
  readonly business: readonly BusinessKpi[];
  /** Tracked-property dimensions by name, e.g. `{ project: 'project_ref' }`. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** Freshness expectations by source id; a source not listed is never stale. */
  readonly sources: Readonly<Record<string, SourceFreshness>>;
}

/** The integration figures, computed the same way for every deployment. */
export const IntegrationKpiId = {
  Throughput: 'throughput',
  SuccessRate: 'success_rate',
  LatencyP50: 'latency_p50',
  LatencyP95: 'latency_p95',
  LatencyP99: 'latency_p99',
  DeadLetterDepth: 'dead_letter_depth',
  DeadLetterAge: 'dead_letter_age',
  ConsumerLag: 'consumer_lag',
  Freshness: 'freshness',
} as const;
export type IntegrationKpiId = (typeof IntegrationKpiId)[keyof typeof IntegrationKpiId];

export interface IntegrationKpi {
  readonly id: IntegrationKpiId;
  readonly title: string;
  readonly unit: string;
  readonly description: string;
}

export const integrationKpis: readonly IntegrationKpi[] = [
  {
    id: 'throughput',
    title: 'Throughput',
    unit: 'messages/s',
    description: 'Messages decided per second, every outcome.',
  },
  {
    id: 'success_rate',
    title: 'Success rate',
    unit: 'ratio',
    description: 'Accepted messages over accepted and rejected ones (delays are not decisions).',
  },
  {
    id: 'latency_p50',
    title: 'Latency p50',
    unit: 'ms',
    description: 'Median time from INGEST to the decision (lineage latency_ms).',
  },
  {
    id: 'latency_p95',
    title: 'Latency p95',
    unit: 'ms',
    description: '95th percentile of the time from INGEST to the decision.',
  },
  {
    id: 'latency_p99',
    title: 'Latency p99',
    unit: 'ms',
    description: '99th percentile of the time from INGEST to the decision.',
  },
  {
    id: 'dead_letter_depth',
    title: 'Dead letters waiting',
    unit: 'messages',
    description: 'Dead letters neither replayed nor discarded.',
  },
  {
    id: 'dead_letter_age',
    title: 'Oldest dead letter',
    unit: 'ms',
    description: 'Age of the oldest dead letter still waiting.',
  },
  {
    id: 'consumer_lag',
    title: 'Consumer lag',
    unit: 'messages',
    description: 'Messages in INGEST not yet delivered to or acknowledged by the workers.',
  },
  {
    id: 'freshness',
    title: 'Freshness',
    unit: 'ms',
    description:
      "Time since each source's last message, against its expectedEvery in kpis.yaml (see staleSources).",
  },
];

/** Every id a business KPI may not take. */
export const integrationKpiIds: readonly IntegrationKpiId[] = Object.values(IntegrationKpiId);

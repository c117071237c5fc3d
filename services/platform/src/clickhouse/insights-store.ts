import {
  floorDay,
  floorHour,
  type BusinessKpi,
  type FlowDefinition,
  type FlowInstancePosition,
  type FlowLineageRow,
  type FlowState,
  type FlowStateCounts,
  type FlowStepSummary,
  type KpiDimension,
  type KpiPeriod,
  type SourceActivity,
  type TimeWindow,
} from '@plumbline/core';
import type { ClickHouseStore, QueryParams } from './clickhouse-store';
import { FlowSeals, flowKey, type FlowSeal, type FlowSealsOptions } from './flow-seals';
import {
  isoDay,
  neverAccepted as never,
  stateColumnsSql,
  stateParams,
  stateSql,
  stepFactsSql,
  stepsOfType,
} from './flow-sql';

/**
 * The reads behind flows and KPIs, over the rollups of migrations 3 to 6 (`insights-rollups.ts`): thin
 * SQL, no policy logic. Instance states are computed in SQL only where a page or a count needs
 * them over many instances; `deriveFlowInstance` (core) makes the instances shown from the step
 * summaries read here, and the system tests check that both agree.
 */

/** The tenants a caller may see: a list, or every tenant. */
export type TenantScope = readonly string[] | 'all';

/**
 * Whether `flow_steps_v1` can answer for a flow: its steps correlate by the envelope correlation
 * id, it runs on the received clock and starts on any first step. The shipped flows do; any other
 * flow is derived from lineage directly (`flowLineage`), which is exact but reads every row of its
 * step types in the window.
 */
export function isRolledUp(flow: FlowDefinition): boolean {
  return (
    flow.clock === 'received' &&
    Object.keys(flow.startsWhen).length === 0 &&
    flow.steps.every((step) => step.correlation.by === 'correlation_id')
  );
}

/**
 * How far before the window the rows of a flow are read: an instance whose first step came up to
 * the flow's SLA before `from` is recognised as started before the window (and left out).
 */
export function flowLookbackMs(flow: FlowDefinition): number {
  return flow.slaMs;
}

export interface FlowInstanceHead {
  readonly tenant: string;
  readonly correlation: string;
  readonly startedAt: number;
  readonly state: FlowState;
}

export interface FlowInstanceSteps {
  readonly tenant: string;
  readonly correlation: string;
  /** Per step index; `undefined` where the step has no message. */
  readonly steps: readonly (FlowStepSummary | undefined)[];
}

/** One figure of a business KPI: a period (or the whole window), a group, a currency. */
export interface BusinessFigureRow {
  /** Start of the bucket (ms), `undefined` for the whole window. */
  readonly period: number | undefined;
  /** Values of the dimensions asked, in order. */
  readonly group: readonly string[];
  /** For money: the currency; else `undefined`. */
  readonly currency: string | undefined;
  readonly envelopes: number;
  readonly sum: number;
  readonly count: number;
}

export interface IntegrationRow {
  /** `undefined` for the totals over every source. */
  readonly source: string | undefined;
  readonly accepted: number;
  readonly rejected: number;
  readonly delayed: number;
  /** Over first decisions (delays excluded); `undefined` when nothing was decided. */
  readonly latencyMs:
    | { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number }
    | undefined;
}

const toNumber = (value: unknown): number => Number(value);
const toOptional = (value: unknown): number | undefined =>
  value === null || value === undefined ? undefined : Number(value);

const outcomesOf = (kpi: BusinessKpi): string[] =>
  kpi.outcome === 'any' ? ['accepted', 'rejected'] : [kpi.outcome];

export class InsightsStore {
  readonly #db: string;
  /** Sealed flow instances (migrations 5 and 6), built by the flow sealer, read by the flow overview. */
  readonly seals: FlowSeals;

  constructor(
    private readonly store: ClickHouseStore,
    options: FlowSealsOptions = {},
  ) {
    this.#db = store.database;
    this.seals = new FlowSeals(store, options);
  }

  /** Makes the business rollup keep these tracked properties from now on (idempotent). */
  async keepDimensions(properties: readonly string[]): Promise<void> {
    const kept = await this.store.query<{ property: string }>(
      `SELECT DISTINCT property FROM ${this.#db}.kpi_dimensions_v1`,
    );
    const has = new Set(kept.map((row) => row.property));
    await this.store.insert(
      `${this.#db}.kpi_dimensions_v1`,
      properties.filter((property) => !has.has(property)).map((property) => ({ property })),
    );
  }

  // ---- flows ----------------------------------------------------------------------------

  /**
   * Instances of rolled-up flows started in the window, per flow id and state at `now`: one
   * statement for all of them (a statement's fixed cost is a good share of a flow's).
   */
  async flowStateCounts(
    flows: readonly FlowDefinition[],
    window: TimeWindow,
    now: number,
    tenants: TenantScope,
  ): Promise<Map<string, FlowStateCounts>> {
    const counts = new Map<string, FlowStateCounts>();
    if (flows.length === 0) return counts;
    const params = this.#instanceParams(flows, window, now, tenants);
    const seal = await this.#sealFor(flows, window);
    const rows = await this.store.query<{
      flow: number;
      state: FlowState;
      instances: string;
      late: string;
    }>(
      `SELECT flow, state, count() AS instances, countIf(late) AS late
       FROM (${seal === undefined ? this.#instancesSql(flows) : this.#sealedInstancesSql(flows)})
       GROUP BY flow, state`,
      seal === undefined ? params : { ...params, ...sealParams(flows, seal) },
    );
    flows.forEach((flow, index) => {
      const of = rows.filter((row) => toNumber(row.flow) === index + 1);
      const count = (state: FlowState) =>
        toNumber(of.find((row) => row.state === state)?.instances ?? 0);
      counts.set(flow.id, {
        in_progress: count('in_progress'),
        breached: count('breached'),
        failed: count('failed'),
        completed: count('completed'),
        completedLate: toNumber(of.find((row) => row.state === 'completed')?.late ?? 0),
      });
    });
    return counts;
  }

  /**
   * A page of a rolled-up flow's instances started in the window, newest start first, then by
   * tenant and correlation value; after `after` when given.
   */
  async flowInstanceHeads(
    flow: FlowDefinition,
    window: TimeWindow,
    now: number,
    tenants: TenantScope,
    page: {
      readonly state?: FlowState;
      readonly after?: FlowInstancePosition;
      readonly limit: number;
    },
  ): Promise<FlowInstanceHead[]> {
    const rows = await this.store.query<{
      tenant: string;
      correlation: string;
      started: string;
      state: FlowState;
    }>(
      `SELECT tenant, correlation, started, state
       FROM (${this.#instancesSql([flow], true)})
       WHERE ({state:String} = '' OR state = {state:String})
         AND ({first:Bool} OR started < {after_started:Int64}
           OR (started = {after_started:Int64} AND (tenant, correlation) > ({after_tenant:String}, {after_correlation:String})))
       ORDER BY started DESC, tenant, correlation
       LIMIT {limit:UInt32}`,
      {
        ...this.#instanceParams([flow], window, now, tenants),
        state: page.state ?? '',
        first: page.after === undefined,
        after_started: page.after?.startedAt ?? 0,
        after_tenant: page.after?.tenant ?? '',
        after_correlation: page.after?.correlation ?? '',
        limit: page.limit,
      },
    );
    return rows.map((row) => ({
      tenant: row.tenant,
      correlation: row.correlation,
      startedAt: toNumber(row.started),
      state: row.state,
    }));
  }

  /** The step summaries of the given instances of a rolled-up flow, as the rollup keeps them. */
  async flowStepSummaries(
    flow: FlowDefinition,
    window: TimeWindow,
    instances: readonly { readonly tenant: string; readonly correlation: string }[],
  ): Promise<FlowInstanceSteps[]> {
    if (instances.length === 0) return [];
    const rows = await this.store.query<{
      type: string;
      tenant: string;
      correlation: string;
      first_seen: string;
      last_seen: string;
      first_accepted: string | null;
      first_accepted_key: string;
      accepted: string;
      rejected: string;
      last_rejected: string | null;
      dead_letter: [string, string, string];
    }>(
      `SELECT type, tenant, correlation_id AS correlation,
         toUnixTimestamp64Milli(min(first_seen)) AS first_seen,
         toUnixTimestamp64Milli(max(last_seen)) AS last_seen,
         toUnixTimestamp64Milli(min(first_accepted)) AS first_accepted,
         argMinIfMerge(first_accepted_key) AS first_accepted_key,
         uniqExactIfMerge(accepted) AS accepted,
         uniqExactIfMerge(rejected) AS rejected,
         toUnixTimestamp64Milli(max(last_rejected)) AS last_rejected,
         argMaxIfMerge(last_dead_letter) AS dead_letter
       FROM ${this.#db}.flow_steps_v1
       WHERE type IN {types:Array(String)} AND day >= {since:Date}
         AND correlation_id IN {correlations:Array(String)}
       GROUP BY type, tenant, correlation_id`,
      {
        types: flow.steps.map((step) => step.type),
        since: isoDay(floorDay(window.from - flowLookbackMs(flow))),
        correlations: [...new Set(instances.map((instance) => instance.correlation))],
      },
    );
    const stepOf = new Map(flow.steps.map((step) => [step.type, step.index]));
    return instances.map((instance) => {
      const steps: (FlowStepSummary | undefined)[] = flow.steps.map(() => undefined);
      for (const row of rows) {
        if (row.tenant !== instance.tenant || row.correlation !== instance.correlation) continue;
        const index = stepOf.get(row.type);
        if (index === undefined) continue;
        const [deadKey, deadReason, deadSeq] = row.dead_letter;
        const lastRejected = toOptional(row.last_rejected);
        steps[index] = {
          firstSeenAt: toNumber(row.first_seen),
          lastSeenAt: toNumber(row.last_seen),
          firstAcceptedAt: toOptional(row.first_accepted),
          firstAcceptedKey:
            row.first_accepted === null || row.first_accepted_key === ''
              ? undefined
              : row.first_accepted_key,
          accepted: toNumber(row.accepted),
          rejected: toNumber(row.rejected),
          lastRejection:
            lastRejected === undefined
              ? undefined
              : {
                  envelopeKey: deadKey,
                  reason: deadReason,
                  at: lastRejected,
                  seq: toNumber(deadSeq) > 0 ? toNumber(deadSeq) : undefined,
                },
        };
      }
      return { tenant: instance.tenant, correlation: instance.correlation, steps };
    });
  }

  /**
   * Lineage rows of a flow that is not rolled up, from the lookback before the window on, for
   * `deriveFlowInstances` (core). At most `maxRows`; more is reported as `undefined`.
   */
  async flowLineage(
    flow: FlowDefinition,
    window: TimeWindow,
    tenants: TenantScope,
    maxRows: number,
  ): Promise<FlowLineageRow[] | undefined> {
    const clock = flow.clock === 'event' ? 'event_time' : 'received_at';
    const rows = await this.store.query<Record<string, unknown>>(
      `SELECT type, outcome, reason, envelope_key, tenant, correlation_id, business_key, tracked_str,
         toUnixTimestamp64Milli(event_time) AS event_time,
         toUnixTimestamp64Milli(received_at) AS received_at, output_stream, output_seq
       FROM ${this.#db}.lineage_v1
       WHERE type IN {types:Array(String)} AND ${clock} >= fromUnixTimestamp64Milli({since:Int64})
         AND ({all:Bool} OR tenant IN {tenants:Array(String)})
       LIMIT {limit:UInt32}`,
      {
        types: flow.steps.map((step) => step.type),
        since: window.from - flowLookbackMs(flow),
        ...tenantParams(tenants),
        limit: maxRows + 1,
      },
    );
    if (rows.length > maxRows) return undefined;
    return rows.map((row) => ({
      type: String(row.type),
      outcome: row.outcome as FlowLineageRow['outcome'],
      reason: String(row.reason),
      envelope_key: String(row.envelope_key),
      tenant: String(row.tenant),
      correlation_id: String(row.correlation_id),
      business_key: String(row.business_key),
      tracked_str: row.tracked_str as Record<string, string>,
      event_time: toNumber(row.event_time),
      received_at: toNumber(row.received_at),
      output_stream: String(row.output_stream),
      output_seq: toNumber(row.output_seq),
    }));
  }

  /**
   * The state of each instance of the given rolled-up flows started in [from, to), at `now`, with
   * its flow's position in the list (`flow`, from 1): the same rules as `deriveFlowInstance`
   * (core), over the first step seen, when each step was first accepted and whether it was
   * rejected. One statement for any number of flows: each step row is joined to the (flow, step)
   * pairs its type stands for (a type may be a step of several flows), and read from its flow's
   * lookback before the window on. Instances are grouped by flow and a 64-bit hash of (tenant,
   * correlation id): grouping by the strings costs twice as much, and two instances sharing a
   * hash among a million is a one in ten million chance.
   */
  #instancesSql(flows: readonly FlowDefinition[], withNames = false): string {
    const positions = stepPositions(flows);
    return `
      SELECT flow, ${withNames ? 'instance_tenant AS tenant, instance_correlation AS correlation, ' : ''}started,
        ${stateColumnsSql(positions)}, ${stateSql} AS state
      FROM (${this.#groupedFactsSql(positions, withNames)})`;
  }

  /** Each instance's facts grouped from the step rows of its flow's lookback before the window on. */
  #groupedFactsSql(positions: readonly number[], withNames: boolean): string {
    return `
        SELECT flow_step[1] AS flow, cityHash64(tenant, correlation_id) AS instance,
          ${withNames ? 'any(tenant) AS instance_tenant, any(correlation_id) AS instance_correlation,' : ''}
          min(flow_step[2]) AS start,
          ${stepFactsSql(positions, '0')},
          toUnixTimestamp64Milli(min(first_seen)) AS started
        FROM ${this.#db}.flow_steps_v1
        ARRAY JOIN {steps_of_type:Map(String, Array(Array(UInt16)))}[type] AS flow_step
        WHERE type IN {types:Array(String)} AND day >= {since:Date}
          AND day >= {flow_since:Array(Date)}[flow_step[1]]
          AND ({all:Bool} OR tenant IN {tenants:Array(String)})
        GROUP BY flow, instance
        HAVING started >= {from:Int64} AND started < {to:Int64}`;
  }

  /**
   * `#instancesSql` from a seal, for counting: the instances with no step row received since the
   * seal with their sealed state; the others' sealed facts merged (min, max) with their new step
   * rows, and their state computed. Facts only grow, so a step row read twice changes nothing.
   * Flow numbers are mapped from the seal's to the list's (`{flow_of}`); a first acceptance
   * missing is `never` while merging.
   */
  #sealedInstancesSql(flows: readonly FlowDefinition[]): string {
    const db = this.#db;
    const positions = stepPositions(flows);
    const tenantIn = `({all:Bool} OR tenant IN {tenants:Array(String)})`;
    const newRows = `type IN {types:Array(String)} AND day >= {sealed_before:Date} AND ${tenantIn}`;
    const touched = `SELECT cityHash64(tenant, correlation_id) FROM ${db}.flow_steps_v1 WHERE ${newRows}`;
    // Qualified: in ClickHouse an alias (the mapped `flow`) shadows the column in WHERE.
    const sealed = `${db}.flow_instances_v1 AS sealed
          WHERE seal = {seal:String} AND sealed.flow IN {seal_flows:Array(UInt8)} AND ${tenantIn}`;
    return `
        SELECT {flow_of:Array(UInt8)}[sealed.flow] AS flow, ${stateSql} AS state, late
        FROM ${sealed} AND started >= {from:Int64} AND started < {to:Int64}
          AND instance NOT IN (${touched})
        UNION ALL
        SELECT flow, ${stateSql} AS state, late
        FROM (
          SELECT *, ${stateColumnsSql(positions)}
          FROM (
            SELECT flow, min(start) AS start,
              ${positions.map((i) => `if(min(d${i}) = ${never}, 0, min(d${i})) AS d${i}, max(r${i}) AS r${i}`).join(',\n              ')},
              min(started) AS started
            FROM (
              SELECT {flow_of:Array(UInt8)}[sealed.flow] AS flow, instance, start,
                ${positions.map((i) => `if(d${i} = 0, ${never}, d${i}) AS d${i}, bitTest(rejected, ${i - 1}) AS r${i}`).join(', ')},
                started
              FROM ${sealed} AND instance IN (${touched})
              UNION ALL
              SELECT flow_step[1] AS flow, cityHash64(tenant, correlation_id) AS instance,
                min(flow_step[2]) AS start,
                ${stepFactsSql(positions, never)},
                toUnixTimestamp64Milli(min(first_seen)) AS started
              FROM ${db}.flow_steps_v1
              ARRAY JOIN {steps_of_type:Map(String, Array(Array(UInt16)))}[type] AS flow_step
              WHERE ${newRows}
              GROUP BY flow, instance
            )
            GROUP BY flow, instance
            HAVING started >= {from:Int64} AND started < {to:Int64}
          )
        )`;
  }

  /**
   * The newest seal covering the flows that still holds and reaches back far enough for the
   * window (every flow's lookback before it); `undefined` when there is none.
   */
  async #sealFor(
    flows: readonly FlowDefinition[],
    window: TimeWindow,
  ): Promise<FlowSeal | undefined> {
    const newest = await this.seals.newest(flows);
    if (newest.kind !== 'holds') return undefined;
    const reach = Math.min(...flows.map((flow) => floorDay(window.from - flowLookbackMs(flow))));
    return newest.seal.horizon <= reach ? newest.seal : undefined;
  }

  #instanceParams(
    flows: readonly FlowDefinition[],
    window: TimeWindow,
    now: number,
    tenants: TenantScope,
  ): QueryParams {
    const byType = stepsOfType(flows);
    const sinces = flows.map((flow) => floorDay(window.from - flowLookbackMs(flow)));
    return {
      steps_of_type: byType,
      types: [...byType.keys()],
      ...stateParams(flows),
      flow_since: sinces.map(isoDay),
      since: isoDay(Math.min(...sinces)),
      now,
      from: window.from,
      to: window.to,
      ...tenantParams(tenants),
    };
  }

  // ---- business KPIs ----------------------------------------------------------------------

  /**
   * A business KPI's figures in the window: per period bucket (or for the whole window), per value
   * of the dimensions asked, per currency for money. Buckets are whole UTC event days (weeks start
   * on Monday), or event hours from the hourly rollup (kept `hourlyBusinessRetentionDays`): those
   * that start in [floor(from), to).
   */
  async businessFigures(
    kpi: BusinessKpi,
    plan: {
      readonly period: KpiPeriod | undefined;
      readonly dimensions: readonly KpiDimension[];
    },
    window: TimeWindow,
    tenants: TenantScope,
  ): Promise<BusinessFigureRow[]> {
    const periodSql = {
      hour: `toUnixTimestamp(hour) * 1000`,
      day: `toUnixTimestamp(toDateTime(day, 'UTC')) * 1000`,
      week: `toUnixTimestamp(toDateTime(toMonday(day), 'UTC')) * 1000`,
      month: `toUnixTimestamp(toDateTime(toStartOfMonth(day), 'UTC')) * 1000`,
    } as const;
    const hourly = plan.period === 'hour';
    const params: Record<string, unknown> = {
      type: kpi.type,
      outcomes: outcomesOf(kpi),
      property: kpi.property ?? '',
      currency: kpi.currencyProperty ?? '',
      ...(hourly
        ? { first: floorHour(window.from) / 1000, last: floorHour(window.to - 1) / 1000 }
        : { first: isoDay(floorDay(window.from)), last: isoDay(floorDay(window.to - 1)) }),
      ...tenantParams(tenants),
    };
    const bucketFilter = hourly
      ? `hour BETWEEN toDateTime({first:UInt32}, 'UTC') AND toDateTime({last:UInt32}, 'UTC')`
      : `day BETWEEN {first:Date} AND {last:Date}`;
    const groups = plan.dimensions.map((dimension, index) => {
      if (dimension.kind === 'column') return `toString(${dimension.name}) AS d${index}`;
      params[`dimension${index}`] = dimension.property;
      return `dimensions[{dimension${index}:String}] AS d${index}`;
    });
    const money = kpi.currencyProperty !== undefined;
    const selected = [
      ...(plan.period === undefined ? [] : [`${periodSql[plan.period]} AS period`]),
      ...groups,
      ...(money ? ['dimensions[{currency:String}] AS currency'] : []),
    ];
    const keys = [
      ...(plan.period === undefined ? [] : ['period']),
      ...groups.map((_, index) => `d${index}`),
      ...(money ? ['currency'] : []),
    ];
    const rows = await this.store.query<Record<string, unknown>>(
      `SELECT ${[...selected, 'sum(envelopes) AS envelopes', 'sum(sums[{property:String}]) AS total', 'sum(counts[{property:String}]) AS carrying'].join(', ')}
       FROM ${this.#db}.${hourly ? 'kpi_hourly_v1' : 'kpi_daily_v1'}
       WHERE type = {type:String} AND outcome IN {outcomes:Array(String)}
         AND ${bucketFilter}
         AND ({all:Bool} OR tenant IN {tenants:Array(String)})
       ${keys.length > 0 ? `GROUP BY ${keys.join(', ')} ORDER BY ${keys.join(', ')}` : ''}`,
      params,
    );
    return rows
      .map((row) => ({
        period: plan.period === undefined ? undefined : toNumber(row.period),
        group: plan.dimensions.map((_, index) => String(row[`d${index}`])),
        currency: money ? String(row.currency) : undefined,
        envelopes: toNumber(row.envelopes),
        sum: toNumber(row.total),
        count: toNumber(row.carrying),
      }))
      .filter((row) => row.envelopes !== 0 || row.count !== 0);
  }

  // ---- integration KPIs -------------------------------------------------------------------

  /**
   * First decisions, delays and latency per source and in total, over the whole hours that start
   * in [floor(from), to), of the tenants in scope.
   */
  async integrationFigures(window: TimeWindow, tenants: TenantScope): Promise<IntegrationRow[]> {
    const rows = await this.store.query<{
      source: string;
      total: number;
      accepted: string;
      rejected: string;
      delayed: string;
      latency: number[];
      latency_max: number;
    }>(
      `SELECT source, grouping(source) AS total,
         sumIf(messages, outcome = 'accepted') AS accepted,
         sumIf(messages, outcome = 'rejected') AS rejected,
         sumIf(messages, outcome = 'delayed') AS delayed,
         quantilesTDigestMergeIf(0.5, 0.95, 0.99)(latency, outcome != 'delayed') AS latency,
         maxIf(latency_max, outcome != 'delayed') AS latency_max
       FROM ${this.#db}.integration_hourly_v2
       WHERE hour BETWEEN toDateTime({first:UInt32}, 'UTC') AND toDateTime({last:UInt32}, 'UTC')
         AND ({all:Bool} OR tenant IN {tenants:Array(String)})
       GROUP BY GROUPING SETS ((source), ())
       ORDER BY total, source`,
      {
        first: floorHour(window.from) / 1000,
        last: floorHour(window.to - 1) / 1000,
        ...tenantParams(tenants),
      },
    );
    return rows.map((row) => {
      const accepted = toNumber(row.accepted);
      const rejected = toNumber(row.rejected);
      const [p50 = 0, p95 = 0, p99 = 0] = row.latency;
      return {
        source: Number(row.total) === 1 ? undefined : row.source,
        accepted,
        rejected,
        delayed: toNumber(row.delayed),
        latencyMs:
          accepted + rejected === 0
            ? undefined
            : {
                p50: Math.round(p50),
                p95: Math.round(p95),
                p99: Math.round(p99),
                max: toNumber(row.latency_max),
              },
      };
    });
  }

  /**
   * When each source last sent each type for the tenants in scope, ever (every hour of the
   * integration rollup).
   */
  async sourceActivity(tenants: TenantScope): Promise<SourceActivity[]> {
    const rows = await this.store.query<{ source: string; type: string; last: string }>(
      `SELECT source, type, toUnixTimestamp64Milli(max(last_received)) AS last
       FROM ${this.#db}.integration_hourly_v2
       WHERE {all:Bool} OR tenant IN {tenants:Array(String)}
       GROUP BY source, type ORDER BY source, type`,
      tenantParams(tenants),
    );
    return rows.map((row) => ({
      source: row.source,
      type: row.type,
      lastReceivedAt: toNumber(row.last),
    }));
  }

  /**
   * Dead letters of the tenants in scope still open (the dead-letter index), and when the oldest
   * was dead-lettered. Every row of a dead letter has its `dead_lettered_at`, so all its versions
   * share a partition and FINAL may work partition by partition (twice as fast over a year of
   * dead letters).
   */
  async openDeadLetters(
    tenants: TenantScope,
  ): Promise<{ open: number; oldestAt: number | undefined }> {
    const [row] = await this.store.query<{ open: string; oldest: string | null }>(
      `SELECT count() AS open, toUnixTimestamp64Milli(minOrNull(dead_lettered_at)) AS oldest
       FROM ${this.#db}.dead_letters_v1 FINAL
       WHERE state = 'open' AND ({all:Bool} OR tenant IN {tenants:Array(String)})
       SETTINGS do_not_merge_across_partitions_select_final = 1`,
      tenantParams(tenants),
    );
    return { open: toNumber(row?.open ?? 0), oldestAt: toOptional(row?.oldest) };
  }
}

/** Step positions 1 to the most steps of the flows. */
function stepPositions(flows: readonly FlowDefinition[]): number[] {
  return Array.from(
    { length: Math.max(...flows.map((flow) => flow.steps.length)) },
    (_, index) => index + 1,
  );
}

/** The seal's flow numbers for the list's flows, and the list's number for each of the seal's. */
function sealParams(flows: readonly FlowDefinition[], seal: FlowSeal): QueryParams {
  const keys = flows.map(flowKey);
  return {
    seal: seal.seal,
    sealed_before: isoDay(seal.sealedBefore),
    seal_flows: keys.map((key) => seal.flowKeys.indexOf(key) + 1),
    flow_of: seal.flowKeys.map((key) => keys.indexOf(key) + 1),
  };
}

function tenantParams(tenants: TenantScope): { all: boolean; tenants: readonly string[] } {
  return tenants === 'all' ? { all: true, tenants: [] } : { all: false, tenants };
}

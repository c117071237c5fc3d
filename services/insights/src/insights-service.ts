import {
  ErrorCode,
  PlumblineError,
  countFlowStates,
  decodeFlowCursor,
  deriveFlowInstance,
  deriveFlowInstances,
  encodeFlowCursor,
  floorDay,
  floorHour,
  flowFactOf,
  flowFreshness,
  kpiValue,
  planBusinessKpi,
  resolveWindow,
  staleSources,
  successRate,
  throughputPerSecond,
  trackedDimensionProperties,
  type BusinessKpi,
  type FlowDefinition,
  type FlowInstance,
  type FlowState,
  type KpiPeriod,
  type TimeWindow,
} from '@plumbline/core';
import {
  isRolledUp,
  type ConsumerLag,
  type InsightsPolicies,
  type InsightsStore,
  type TenantScope,
} from '@plumbline/platform';

const day = 86_400_000;

/** Windows, page sizes and caps of the flow and KPI queries. */
export const insightsLimits = {
  /** Flow instances started in the window; the rollup reads the window plus the flow's SLA. */
  flows: { defaultSpanMs: 30 * day, maxSpanMs: 92 * day },
  business: { defaultSpanMs: 30 * day, maxSpanMs: 400 * day },
  /** Hourly business figures: the hourly rollup keeps 100 days; a window starts in the last 92. */
  businessHourly: { defaultSpanMs: 2 * day, maxSpanMs: 31 * day, reachMs: 92 * day },
  integration: { defaultSpanMs: day, maxSpanMs: 31 * day },
  page: { default: 50, max: 200 },
  /** Lineage rows read for a flow that is not rolled up (see `isRolledUp`). */
  lineageRows: 200_000,
} as const;

export const flowStates: readonly FlowState[] = ['in_progress', 'breached', 'failed', 'completed'];

export interface WindowRequest {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

export interface FlowInstancesRequest extends WindowRequest {
  readonly state?: FlowState | undefined;
  readonly cursor?: string | undefined;
  readonly limit: number;
}

export interface BusinessKpiQuery extends WindowRequest {
  readonly period?: KpiPeriod | undefined;
  readonly by: readonly string[];
  /** One KPI by id; all when absent. */
  readonly kpi?: string | undefined;
}

export interface InsightsServiceDeps {
  readonly store: InsightsStore;
  readonly policies: InsightsPolicies;
  /** The governance consumer's lag; absent or failing: reported as unknown. */
  readonly consumerLag?: () => Promise<ConsumerLag>;
  /** The clock instance states are evaluated at (tests inject one). */
  readonly now?: () => number;
}

/**
 * Flows and KPIs for people: flow instances derived from lineage (rollups, `deriveFlowInstance`),
 * business figures from tracked properties and integration figures. Read-only; every time is
 * returned as an ISO string.
 */
export class InsightsService {
  readonly #now: () => number;

  private constructor(private readonly deps: InsightsServiceDeps) {
    this.#now = deps.now ?? Date.now;
  }

  /** The service, with the KPI rollups told which tracked properties kpis.yaml reads. */
  static async open(deps: InsightsServiceDeps): Promise<InsightsService> {
    await deps.store.keepDimensions(trackedDimensionProperties(deps.policies.kpis.business));
    return new InsightsService(deps);
  }

  get flows(): readonly FlowDefinition[] {
    return this.deps.policies.flows;
  }

  flow(id: string): FlowDefinition {
    const flow = this.flows.find((candidate) => candidate.id === id);
    if (flow === undefined)
      throw new PlumblineError(ErrorCode.NotFound, `no flow '${id.slice(0, 100)}'`, {
        details: { flows: this.flows.map((candidate) => candidate.id) },
      });
    return flow;
  }

  /**
   * Every flow with its instances started in the window, counted per state: the rolled-up flows
   * in one query, the others derived from lineage each.
   */
  async flowOverview(request: WindowRequest, tenants: TenantScope) {
    const now = this.#now();
    const window = resolveWindow(request, now, insightsLimits.flows);
    const rolledUp = this.flows.filter(isRolledUp);
    const [counted, derived] = await Promise.all([
      this.deps.store.flowStateCounts(rolledUp, window, now, tenants),
      Promise.all(
        this.flows
          .filter((flow) => !isRolledUp(flow))
          .map(
            async (flow) =>
              [flow.id, countFlowStates(await this.#derived(flow, window, now, tenants))] as const,
          ),
      ),
    ]);
    const countsOf = new Map([...counted, ...derived]);
    const flows = this.flows.map((flow) => {
      const counts = countsOf.get(flow.id) ?? countFlowStates([]);
      const total = counts.in_progress + counts.breached + counts.failed + counts.completed;
      return {
        ...definitionView(flow),
        rolledUp: isRolledUp(flow),
        instances: { ...counts, total },
      };
    });
    return { window: windowView(window), evaluatedAt: iso(now), flows };
  }

  /**
   * A page of one flow's instances started in the window, newest first, optionally in one state;
   * each with its steps, the step where it stopped, its breaches and the dead letter to open.
   */
  async flowInstances(flowId: string, request: FlowInstancesRequest, tenants: TenantScope) {
    const flow = this.flow(flowId);
    const now = this.#now();
    const query = `${flow.id}|${request.state ?? ''}`;
    const cursor =
      request.cursor === undefined ? undefined : decodeFlowCursor(request.cursor, query);
    const window = cursor?.window ?? resolveWindow(request, now, insightsLimits.flows);
    let page: FlowInstance[];
    let more: boolean;
    if (isRolledUp(flow)) {
      const heads = await this.deps.store.flowInstanceHeads(flow, window, now, tenants, {
        ...(request.state === undefined ? {} : { state: request.state }),
        ...(cursor === undefined ? {} : { after: cursor.position }),
        limit: request.limit + 1,
      });
      more = heads.length > request.limit;
      const shown = heads.slice(0, request.limit);
      const summaries = await this.deps.store.flowStepSummaries(flow, window, shown);
      page = summaries.map((instance) =>
        deriveFlowInstance(flow, instance.tenant, instance.correlation, instance.steps, now),
      );
    } else {
      const after = cursor?.position;
      const all = (await this.#derived(flow, window, now, tenants))
        .filter((instance) => request.state === undefined || instance.state === request.state)
        .sort(newestFirst)
        .filter(
          (instance) =>
            after === undefined ||
            newestFirst(instance, {
              startedAt: after.startedAt,
              tenant: after.tenant,
              correlation: after.correlation,
            }) > 0,
        );
      more = all.length > request.limit;
      page = all.slice(0, request.limit);
    }
    const last = page.at(-1);
    return {
      flow: { id: flow.id, title: flow.title, rolledUp: isRolledUp(flow) },
      window: windowView(window),
      state: request.state ?? null,
      evaluatedAt: iso(now),
      items: page.map(instanceView),
      nextCursor:
        more && last !== undefined
          ? encodeFlowCursor(
              {
                position: {
                  startedAt: last.startedAt,
                  tenant: last.tenant,
                  correlation: last.correlation,
                },
                window,
              },
              query,
            )
          : null,
    };
  }

  /**
   * Business figures: each KPI of kpis.yaml (or the one asked) in the window, per event day, week
   * or month (or in total), broken down by the dimensions asked and, for money, by currency. KPIs
   * that cannot be shown as asked are listed in `skipped` with the reason (or refused, when asked
   * by id). Hourly figures cover at most 31 days, within the last 92.
   */
  async businessKpis(query: BusinessKpiQuery, tenants: TenantScope) {
    const now = this.#now();
    const period = query.period;
    const hourly = period === 'hour';
    const window = resolveWindow(
      query,
      now,
      hourly ? insightsLimits.businessHourly : insightsLimits.business,
    );
    if (hourly && window.from < now - insightsLimits.businessHourly.reachMs)
      throw new PlumblineError(
        ErrorCode.BadRequest,
        'hourly business figures reach back 92 days: ask for a later from, or period day, week or month',
      );
    const chosen: readonly BusinessKpi[] =
      query.kpi === undefined ? this.deps.policies.kpis.business : [this.#kpi(query.kpi)];
    const kpis = [];
    const skipped: { id: string; reason: string }[] = [];
    for (const kpi of chosen) {
      const plan = planBusinessKpi(kpi, { period, by: query.by });
      if (!plan.ok) {
        if (query.kpi !== undefined) throw new PlumblineError(ErrorCode.BadRequest, plan.reason);
        skipped.push({ id: kpi.id, reason: plan.reason });
        continue;
      }
      const rows = await this.deps.store.businessFigures(
        kpi,
        { period, dimensions: plan.dimensions },
        window,
        tenants,
      );
      kpis.push({
        id: kpi.id,
        title: kpi.title,
        description: kpi.description,
        type: kpi.type,
        unit: kpi.unit,
        aggregation: kpi.aggregation,
        property: kpi.property ?? null,
        outcome: kpi.outcome,
        by: plan.dimensions.map((dimension) => dimension.name),
        perCurrency: kpi.currencyProperty !== undefined,
        figures: rows.map((row) => ({
          period: row.period === undefined ? null : iso(row.period),
          group: Object.fromEntries(
            plan.dimensions.map((dimension, index) => [dimension.name, row.group[index] ?? '']),
          ),
          ...(row.currency === undefined ? {} : { currency: row.currency }),
          value: kpiValue(kpi, row),
          envelopes: row.envelopes,
        })),
      });
    }
    return {
      window: windowView({
        from: hourly ? floorHour(window.from) : floorDay(window.from),
        to: window.to,
      }),
      period: period ?? null,
      by: query.by,
      kpis,
      skipped,
    };
  }

  /**
   * Integration figures over the window (whole hours): first decisions, success rate,
   * throughput and latency per source and in total; freshness of each source and flow; open
   * dead letters: all of the tenants in scope. The governance consumer's lag counts every tenant's
   * messages, so only a caller who sees all tenants gets it.
   */
  async integrationKpis(request: WindowRequest, tenants: TenantScope) {
    const now = this.#now();
    const asked = resolveWindow(request, now, insightsLimits.integration);
    const window = { from: floorHour(asked.from), to: asked.to };
    const [rows, activity, deadLetters, lag] = await Promise.all([
      this.deps.store.integrationFigures(window, tenants),
      this.deps.store.sourceActivity(tenants),
      this.deps.store.openDeadLetters(tenants),
      tenants === 'all'
        ? (this.deps.consumerLag?.() ?? Promise.resolve(undefined)).catch(() => undefined)
        : Promise.resolve(undefined),
    ]);
    const spanMs = window.to - window.from;
    const figures = (row: (typeof rows)[number] | undefined) => {
      const counts = {
        accepted: row?.accepted ?? 0,
        rejected: row?.rejected ?? 0,
        delayed: row?.delayed ?? 0,
      };
      return {
        ...counts,
        successRate: successRate(counts),
        throughputPerSecond: throughputPerSecond(counts, spanMs),
        latencyMs: row?.latencyMs ?? null,
      };
    };
    const expectations = this.deps.policies.kpis.sources;
    const lastBySource = new Map<string, number>();
    for (const entry of activity)
      lastBySource.set(
        entry.source,
        Math.max(lastBySource.get(entry.source) ?? 0, entry.lastReceivedAt),
      );
    const stale = new Set(staleSources(expectations, lastBySource, now).map((s) => s.source));
    const sources = [
      ...new Set([
        ...Object.keys(expectations),
        ...lastBySource.keys(),
        ...rows.flatMap((row) => (row.source === undefined ? [] : [row.source])),
      ]),
    ].sort();
    return {
      window: windowView(window),
      evaluatedAt: iso(now),
      totals: figures(rows.find((row) => row.source === undefined)),
      sources: sources.map((source) => {
        const last = lastBySource.get(source);
        return {
          source,
          ...figures(rows.find((row) => row.source === source)),
          lastSeenAt: last === undefined ? null : iso(last),
          silentForMs: last === undefined ? null : Math.max(0, now - last),
          expectedEveryMs: expectations[source]?.expectedEveryMs ?? null,
          stale: stale.has(source),
        };
      }),
      flows: flowFreshness(this.flows, activity, expectations, now).map((flow) => ({
        flow: flow.flowId,
        lastSeenAt: flow.lastSeenAt === undefined ? null : iso(flow.lastSeenAt),
        silentForMs: flow.silentForMs ?? null,
        stale: flow.stale,
        staleSources: flow.staleSources.map((source) => source.source),
      })),
      deadLetters: {
        open: deadLetters.open,
        oldestAt: deadLetters.oldestAt === undefined ? null : iso(deadLetters.oldestAt),
        oldestAgeMs:
          deadLetters.oldestAt === undefined ? null : Math.max(0, now - deadLetters.oldestAt),
      },
      consumerLag: lag ?? null,
    };
  }

  #kpi(id: string): BusinessKpi {
    const kpi = this.deps.policies.kpis.business.find((candidate) => candidate.id === id);
    if (kpi === undefined)
      throw new PlumblineError(ErrorCode.NotFound, `no business KPI '${id.slice(0, 100)}'`, {
        details: { kpis: this.deps.policies.kpis.business.map((candidate) => candidate.id) },
      });
    return kpi;
  }

  /** Instances of a flow that is not rolled up, from lineage, started in the window. */
  async #derived(
    flow: FlowDefinition,
    window: TimeWindow,
    now: number,
    tenants: TenantScope,
  ): Promise<FlowInstance[]> {
    const rows = await this.deps.store.flowLineage(
      flow,
      window,
      tenants,
      insightsLimits.lineageRows,
    );
    if (rows === undefined)
      throw new PlumblineError(
        ErrorCode.BadRequest,
        `flow '${flow.id}' is derived from lineage directly (it is not rolled up) and the window holds more than ${insightsLimits.lineageRows} of its rows; narrow from/to`,
      );
    const facts = rows.flatMap((row) => {
      const fact = flowFactOf(flow, row);
      return fact === undefined ? [] : [fact];
    });
    return deriveFlowInstances(flow, facts, now).filter(
      (instance) => instance.startedAt >= window.from && instance.startedAt < window.to,
    );
  }
}

/** Newest start first, then tenant and correlation value ascending (the page order). */
function newestFirst(
  a: Pick<FlowInstance, 'startedAt' | 'tenant' | 'correlation'>,
  b: Pick<FlowInstance, 'startedAt' | 'tenant' | 'correlation'>,
): number {
  return (
    b.startedAt - a.startedAt ||
    (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0) ||
    (a.correlation < b.correlation ? -1 : a.correlation > b.correlation ? 1 : 0)
  );
}

function definitionView(flow: FlowDefinition) {
  return {
    id: flow.id,
    title: flow.title,
    description: flow.description,
    owner: flow.owner,
    sla: flow.sla,
    clock: flow.clock,
    steps: flow.steps.map((step) => ({
      index: step.index,
      type: step.type,
      title: step.title,
      sla: step.sla ?? null,
    })),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function windowView(window: TimeWindow) {
  return { from: iso(window.from), to: iso(window.to) };
}

/** JSON as the API returns it. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * An instance as the API returns it: times (`…At`) as ISO strings, absent values as null, the
 * shape of `FlowInstance` otherwise.
 */
export function instanceView(instance: FlowInstance): { [key: string]: JsonValue } {
  const convert = (value: unknown, key: string): JsonValue => {
    if (value === undefined || value === null) return null;
    if (typeof value === 'number') return /(^at|At)$/.test(key) ? iso(value) : value;
    if (typeof value === 'string' || typeof value === 'boolean') return value;
    if (Array.isArray(value)) return value.map((item) => convert(item, ''));
    if (typeof value === 'object')
      return Object.fromEntries(
        Object.entries(value).map(([name, item]) => [name, convert(item, name)]),
      );
    return null;
  };
  return convert(instance, '') as { [key: string]: JsonValue };
}

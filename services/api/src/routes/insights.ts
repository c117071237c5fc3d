import { Hono, type Context } from 'hono';
import {
  ErrorCode,
  PlumblineError,
  kpiPeriods,
  type FlowState,
  type KpiPeriod,
  type Principal,
} from '@plumbline/core';
import { flowStates, insightsLimits, type InsightsService } from '@plumbline/insights';
import type { TenantScope } from '@plumbline/platform';
import type { AppEnv } from '../app-env';
import { dateParam, limitParam } from '../request';

/** The tenants whose figures and instances a caller sees (`*` in the token: all). */
function scopeOf(principal: Principal): TenantScope {
  return principal.tenants.includes('*') ? 'all' : principal.tenants;
}

/** An instant from the query, `undefined` when absent. */
function instantParam(c: Context<AppEnv>, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  return dateParam(raw.slice(0, 40), name, new Date(0)).getTime();
}

function oneOf<T extends string>(
  raw: string | undefined,
  name: string,
  allowed: readonly T[],
): T | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = allowed.find((candidate) => candidate === raw);
  if (value === undefined)
    throw new PlumblineError(
      ErrorCode.BadRequest,
      `${name} must be one of ${allowed.join(', ')}, got '${raw.slice(0, 40)}'`,
    );
  return value;
}

/** Flows and their instances (mounted at /api/flows); a caller sees their tenants' instances. */
export function flowRoutes(insights: InsightsService) {
  return new Hono<AppEnv>()
    .get('/', async (c) =>
      c.json(
        await insights.flowOverview(
          { from: instantParam(c, 'from'), to: instantParam(c, 'to') },
          scopeOf(c.get('principal')),
        ),
      ),
    )
    .get('/:flow/instances', async (c) => {
      const cursor = c.req.query('cursor');
      if (cursor !== undefined && cursor.length > 2_000)
        throw new PlumblineError(ErrorCode.BadRequest, 'cursor is not a cursor of this query');
      const state: FlowState | undefined = oneOf(c.req.query('state'), 'state', flowStates);
      return c.json(
        await insights.flowInstances(
          c.req.param('flow'),
          {
            state,
            from: instantParam(c, 'from'),
            to: instantParam(c, 'to'),
            cursor: cursor === '' ? undefined : cursor,
            limit: limitParam(
              c.req.query('limit'),
              insightsLimits.page.default,
              insightsLimits.page.max,
            ),
          },
          scopeOf(c.get('principal')),
        ),
      );
    });
}

/** Business and integration KPIs (mounted at /api/kpis). */
export function kpiRoutes(insights: InsightsService) {
  return new Hono<AppEnv>()
    .get('/business', async (c) => {
      const period: KpiPeriod | undefined = oneOf(c.req.query('period'), 'period', kpiPeriods);
      const by = (c.req.query('by') ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== '');
      if (by.length > 6 || by.some((name) => name.length > 60))
        throw new PlumblineError(
          ErrorCode.BadRequest,
          'by takes at most 6 dimension names, comma-separated',
        );
      const kpi = c.req.query('kpi');
      return c.json(
        await insights.businessKpis(
          {
            from: instantParam(c, 'from'),
            to: instantParam(c, 'to'),
            period,
            by,
            kpi: kpi === undefined || kpi === '' ? undefined : kpi.slice(0, 100),
          },
          scopeOf(c.get('principal')),
        ),
      );
    })
    .get('/integration', async (c) =>
      c.json(
        await insights.integrationKpis(
          { from: instantParam(c, 'from'), to: instantParam(c, 'to') },
          scopeOf(c.get('principal')),
        ),
      ),
    );
}

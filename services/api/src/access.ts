import { Permission } from '@plumbline/core';

/**
 * The access table: the one permission each route needs, keyed `METHOD /full/path` as Hono
 * registers it. The guard (`guard.ts`) looks every request up here, and a route missing from the
 * table is refused to everyone (fail closed); `access.test.ts` fails when a route is added without
 * an entry. Object-level rules (a contract owner's subjects, a caller's tenants) sit in the
 * routes, on top of this.
 */
export type RouteAccess =
  { readonly kind: 'public' } | { readonly kind: 'permission'; readonly permission: Permission };

const open: RouteAccess = { kind: 'public' };
const needs = (permission: Permission): RouteAccess => ({ kind: 'permission', permission });

export const routeAccess: Readonly<Record<string, RouteAccess>> = {
  'GET /api/health': open,

  'GET /api/auth/me': needs(Permission.IdentityRead),
  'GET /api/auth/tokens': needs(Permission.TokensManage),
  'POST /api/auth/tokens': needs(Permission.TokensManage),
  'POST /api/auth/tokens/:id/revoke': needs(Permission.TokensManage),

  'GET /api/contracts': needs(Permission.ContractsRead),
  'GET /api/contracts/:type': needs(Permission.ContractsRead),
  'PATCH /api/contracts/:type': needs(Permission.ContractsWrite),
  'PUT /api/contracts/:type/compatibility': needs(Permission.ContractsWrite),
  // Testing compatibility changes nothing: anyone who may read contracts (owners' CI) may ask.
  'POST /api/contracts/:type/compatibility': needs(Permission.ContractsRead),
  'POST /api/contracts/:type/versions': needs(Permission.ContractsWrite),
  'GET /api/contracts/:type/versions/:version': needs(Permission.ContractsRead),
  'GET /api/contracts/:type/versions/:version/schema': needs(Permission.ContractsRead),
  'POST /api/contracts/:type/versions/:version/:action{activate|deprecate|retire}': needs(
    Permission.ContractsWrite,
  ),
  'GET /api/contracts/:type/diff': needs(Permission.ContractsRead),
  'GET /api/contracts/:type/usage': needs(Permission.ContractsRead),

  'GET /api/registry/config': needs(Permission.ContractsRead),
  'PUT /api/registry/config': needs(Permission.RegistryConfigure),

  'GET /api/dead-letters': needs(Permission.DeadLettersRead),
  'GET /api/dead-letters/problems': needs(Permission.DeadLettersRead),
  'PUT /api/dead-letters/problems/:key/triage': needs(Permission.DeadLettersReplay),
  'POST /api/dead-letters/resolve': needs(Permission.DeadLettersReplay),
  'POST /api/dead-letters/dry-run': needs(Permission.DeadLettersReplay),
  'POST /api/dead-letters/replay': needs(Permission.DeadLettersReplay),
  // The payload in clear (`?reveal=payload`) needs DeadLettersPayload too, checked in the route.
  'GET /api/dead-letters/:seq': needs(Permission.DeadLettersRead),
  'GET /api/replay-jobs': needs(Permission.DeadLettersRead),
  'GET /api/replay-jobs/:id': needs(Permission.DeadLettersRead),
  'POST /api/replay-jobs/:id/cancel': needs(Permission.DeadLettersReplay),

  // Tenants are applied in the service: a caller sees the instances and figures of their own.
  'GET /api/flows': needs(Permission.DashboardsRead),
  'GET /api/flows/:flow/instances': needs(Permission.DashboardsRead),
  'GET /api/kpis/business': needs(Permission.DashboardsRead),
  'GET /api/kpis/integration': needs(Permission.DashboardsRead),

  'GET /api/audit': needs(Permission.AuditRead),
};

export function accessFor(method: string, path: string): RouteAccess | undefined {
  return routeAccess[`${method} ${path}`];
}

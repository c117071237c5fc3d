import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { ErrorCode, PlumblineError } from '@plumbline/core';
import type { DeadLetterService } from '@plumbline/dead-letters';
import type { Authenticator, IdentityService } from '@plumbline/identity';
import type { InsightsService } from '@plumbline/insights';
import type { AuditLog, DeadLetterReader, Logger } from '@plumbline/platform';
import type { ContractRegistryService } from '@plumbline/registry';
import type { AppEnv } from './app-env';
import { guard } from './guard';
import { notFound, onError } from './problem';
import { auditRoutes } from './routes/audit';
import { authRoutes } from './routes/auth';
import { contractRoutes, registryConfigRoutes } from './routes/contracts';
import { deadLetterRoutes, replayJobRoutes } from './routes/dead-letters';
import { healthRoutes, type HealthProbes } from './routes/health';
import { flowRoutes, kpiRoutes } from './routes/insights';

export interface AppDeps {
  readonly logger: Logger;
  readonly health: HealthProbes;
  /** Who is calling: Plumbline's access tokens (`IdentityService`), or an OIDC seam later. */
  readonly authenticator: Authenticator;
  /** Requests per second per token (default 50). */
  readonly ratePerSecond?: number;
  /** Largest request body accepted (default 1 MiB). */
  readonly maxBodyBytes?: number;
  readonly identity?: IdentityService;
  readonly audit?: AuditLog;
  readonly registry?: {
    readonly service: ContractRegistryService;
    readonly config: () => unknown;
  };
  readonly deadLetters?: {
    readonly reader: DeadLetterReader;
    /** Index, triage, resolve and replay (the detail route works without it). */
    readonly service?: DeadLetterService;
  };
  /** Flows and KPIs for dashboards. */
  readonly insights?: InsightsService;
}

/**
 * The control API: a request id, a body limit and the access guard in front of everything under
 * /api, then small routers; one error boundary answers problem+json.
 */
export function createApp(deps: AppDeps) {
  const maxBodyBytes = deps.maxBodyBytes ?? 1024 * 1024;
  const app = new Hono<AppEnv>()
    .use('/api/*', requestId())
    .use(
      '/api/*',
      bodyLimit({
        maxSize: maxBodyBytes,
        onError: () => {
          throw new PlumblineError(
            ErrorCode.TooLarge,
            `the request body is larger than ${maxBodyBytes} bytes`,
          );
        },
      }),
    )
    .use(
      '/api/*',
      guard({
        authenticator: deps.authenticator,
        logger: deps.logger,
        ratePerSecond: deps.ratePerSecond ?? 50,
      }),
    )
    .route('/api/health', healthRoutes(deps.health));
  if (deps.identity !== undefined) app.route('/api/auth', authRoutes(deps.identity));
  if (deps.registry !== undefined)
    app
      .route('/api/contracts', contractRoutes(deps.registry.service))
      .route('/api/registry', registryConfigRoutes(deps.registry.service, deps.registry.config));
  if (deps.audit !== undefined) app.route('/api/audit', auditRoutes(deps.audit));
  if (deps.deadLetters !== undefined && deps.registry !== undefined && deps.audit !== undefined)
    app.route(
      '/api/dead-letters',
      deadLetterRoutes({
        reader: deps.deadLetters.reader,
        registry: deps.registry.service,
        audit: deps.audit,
        ...(deps.deadLetters.service === undefined ? {} : { service: deps.deadLetters.service }),
      }),
    );
  if (deps.deadLetters?.service !== undefined)
    app.route('/api/replay-jobs', replayJobRoutes(deps.deadLetters.service));
  if (deps.insights !== undefined)
    app.route('/api/flows', flowRoutes(deps.insights)).route('/api/kpis', kpiRoutes(deps.insights));
  app.onError(onError(deps.logger));
  app.notFound(notFound);
  return app;
}

export type AppType = ReturnType<typeof createApp>;

import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AuditLog, Logger } from '@plumbline/platform';
import type { ContractRegistryService } from '@plumbline/registry';
import { notFound, onError } from './problem';
import { auditRoutes } from './routes/audit';
import { contractRoutes, registryConfigRoutes } from './routes/contracts';
import { healthRoutes, type HealthProbes } from './routes/health';

export interface AppDeps {
  readonly logger: Logger;
  readonly health: HealthProbes;
  readonly registry?: {
    readonly service: ContractRegistryService;
    readonly config: () => unknown;
    readonly audit: AuditLog;
  };
}

/** The control API: small routers mounted under /api, one error boundary. */
export function createApp(deps: AppDeps) {
  const app = new Hono()
    .use('/api/*', bodyLimit({ maxSize: 1024 * 1024 }))
    .route('/api/health', healthRoutes(deps.health));
  if (deps.registry !== undefined) {
    app
      .route('/api/contracts', contractRoutes(deps.registry.service))
      .route('/api/registry', registryConfigRoutes(deps.registry.service, deps.registry.config))
      .route('/api/audit', auditRoutes(deps.registry.audit));
  }
  app.onError(onError(deps.logger));
  app.notFound(notFound);
  return app;
}

export type AppType = ReturnType<typeof createApp>;

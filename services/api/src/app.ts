import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '@plumbline/platform';
import { notFound, onError } from './problem';
import { healthRoutes, type HealthProbes } from './routes/health';

export interface AppDeps {
  readonly logger: Logger;
  readonly health: HealthProbes;
}

/** The control API: small routers mounted under /api, one error boundary. */
export function createApp(deps: AppDeps) {
  const app = new Hono()
    .use('/api/*', bodyLimit({ maxSize: 1024 * 1024 }))
    .route('/api/health', healthRoutes(deps.health));
  app.onError(onError(deps.logger));
  app.notFound(notFound);
  return app;
}

export type AppType = ReturnType<typeof createApp>;

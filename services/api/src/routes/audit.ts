import { Hono } from 'hono';
import type { AuditLog } from '@plumbline/platform';
import type { AppEnv } from '../app-env';
import { limitParam } from '../request';

/**
 * The audit log, newest first (mounted at /api/audit). Read-only: the API has no route that
 * changes or deletes an entry.
 */
export function auditRoutes(audit: AuditLog) {
  return new Hono<AppEnv>().get('/', async (c) => {
    const { target, action, actor, limit } = c.req.query();
    const rows = await audit.list({
      ...(target ? { target: target.slice(0, 300) } : {}),
      ...(action ? { action: action.slice(0, 100) } : {}),
      ...(actor ? { actor: actor.slice(0, 200) } : {}),
      limit: limitParam(limit, 100, 1_000),
    });
    return c.json({ entries: rows });
  });
}

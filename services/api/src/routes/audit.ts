import { Hono } from 'hono';
import type { AuditLog } from '@plumbline/platform';

/** The audit log, newest first (mounted at /api/audit). Read-only: the API never changes it. */
export function auditRoutes(audit: AuditLog) {
  return new Hono().get('/', async (c) => {
    const { target, action, limit } = c.req.query();
    const rows = await audit.list({
      ...(target ? { target } : {}),
      ...(action ? { action } : {}),
      ...(limit ? { limit: Math.max(1, Number(limit) || 100) } : {}),
    });
    return c.json({ entries: rows });
  });
}

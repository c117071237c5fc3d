import { Hono } from 'hono';
import {
  ErrorCode,
  Permission,
  PlumblineError,
  can,
  deadLetterDetail,
  maySeeTenant,
} from '@plumbline/core';
import { auditedBy, type AuditLog, type DeadLetterReader } from '@plumbline/platform';
import type { ContractRegistryService } from '@plumbline/registry';
import type { AppEnv } from '../app-env';
import { actorOf, positiveInt } from '../request';

export interface DeadLetterRouteDeps {
  readonly reader: DeadLetterReader;
  readonly registry: ContractRegistryService;
  readonly audit: AuditLog;
}

/**
 * One dead letter in detail (mounted at /api/dead-letters). Sensitive fields are masked unless the
 * caller has the payload permission and asks (`?reveal=payload`); that read is audited. A dead
 * letter of a tenant the caller may not see answers 404, exactly as one that does not exist.
 */
export function deadLetterRoutes(deps: DeadLetterRouteDeps) {
  return new Hono<AppEnv>().get('/:seq', async (c) => {
    const principal = c.get('principal');
    const seq = positiveInt(c.req.param('seq'), 'seq');
    const reveal = c.req.query('reveal') === 'payload';
    if (reveal && !can(principal, Permission.DeadLettersPayload))
      throw new PlumblineError(
        ErrorCode.Forbidden,
        `the ${principal.role} role does not have the '${Permission.DeadLettersPayload}' permission`,
        { details: { permission: Permission.DeadLettersPayload, role: principal.role } },
      );
    const stored = await deps.reader.get(seq);
    const notFound = new PlumblineError(ErrorCode.NotFound, `no dead letter ${seq}`);
    if (stored === undefined) throw notFound;
    const detail = deadLetterDetail(stored, (type) => deps.registry.sensitiveFields(type), reveal);
    const tenantVisible =
      detail.tenant === undefined
        ? principal.tenants.includes('*')
        : maySeeTenant(principal, detail.tenant);
    if (!tenantVisible) throw notFound;
    if (reveal)
      await deps.audit.record({
        ...auditedBy(actorOf(c)),
        action: 'dead-letter.payload.view',
        target: `dead-letter:${seq}`,
        after: { type: detail.type, source: detail.source, tenant: detail.tenant },
      });
    c.header('cache-control', 'no-store');
    return c.json(detail);
  });
}

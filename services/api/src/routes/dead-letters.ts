import { Hono, type Context } from 'hono';
import {
  ErrorCode,
  Permission,
  PlumblineError,
  allTriageStates,
  badRequest,
  can,
  deadLetterDetail,
  deadLetterTarget,
  maySeeTenant,
  parseDeadLetterFilter,
  parseReplayRequest,
  reasonProblem,
  ticketProblem,
  type DeadLetterFilter,
  type Principal,
  type ReplayRequest,
  type RequestProblem,
  type TriageState,
  auditedBy,
} from '@plumbline/core';
import type { DeadLetterService } from '@plumbline/dead-letters';
import { type AuditLog, type DeadLetterReader } from '@plumbline/platform';
import type { ContractRegistryService } from '@plumbline/registry';
import type { AppEnv } from '../app-env';
import { actorOf, jsonBody, limitParam, onlyFields, positiveInt } from '../request';

export interface DeadLetterRouteDeps {
  readonly reader: DeadLetterReader;
  readonly registry: ContractRegistryService;
  readonly audit: AuditLog;
  /** Index, triage, resolve and replay; without it only the detail route is served. */
  readonly service?: DeadLetterService;
}

const listParams = {
  reason: 'reasons',
  type: 'types',
  version: 'contractVersions',
  source: 'sources',
  tenant: 'tenants',
  state: 'states',
} as const;
const textParams = {
  businessKey: 'businessKey',
  correlationId: 'correlationId',
  problem: 'problemKey',
  text: 'text',
  from: 'from',
  to: 'to',
} as const;

/**
 * A filter from the query string: list criteria comma-separated (`reason=schema_violation,
 * too_large`), times as RFC 3339 or epoch milliseconds. Unknown parameters are refused.
 */
function queryFilter(c: Context<AppEnv>, extra: readonly string[]): DeadLetterFilter {
  const query = c.req.query();
  const body: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [name, raw] of Object.entries(query)) {
    if (name in listParams) {
      const values = raw.split(',').filter((value) => value !== '');
      body[listParams[name as keyof typeof listParams]] =
        name === 'version' ? values.map(Number) : values;
    } else if (name in textParams) {
      const value = /^\d+$/.test(raw) && (name === 'from' || name === 'to') ? Number(raw) : raw;
      body[textParams[name as keyof typeof textParams]] = value;
    } else if (!extra.includes(name)) unknown.push(name);
  }
  if (unknown.length > 0)
    throw new PlumblineError(
      ErrorCode.BadRequest,
      `unknown query parameter(s): ${unknown.map((name) => name.slice(0, 40)).join(', ')}`,
    );
  return parseDeadLetterFilter(body);
}

/**
 * Object-level: a caller limited to some tenants sees only theirs. Asking for other tenants
 * narrows to nothing rather than failing, like a filter that matches nothing.
 */
function scopeToTenants(principal: Principal, filter: DeadLetterFilter): DeadLetterFilter {
  if (principal.tenants.includes('*')) return filter;
  const asked = filter.tenants ?? principal.tenants;
  const allowed = asked.filter((tenant) => principal.tenants.includes(tenant));
  return { ...filter, tenants: allowed.length > 0 ? allowed : ['\u0000none'] };
}

function requireService(service: DeadLetterService | undefined): DeadLetterService {
  if (service === undefined)
    throw new PlumblineError(ErrorCode.Unavailable, 'the dead-letter index is not available');
  return service;
}

/**
 * Dead letters for support (mounted at /api/dead-letters): list and group, triage problems,
 * resolve without replay, dry-run and replay. One dead letter's detail masks sensitive fields
 * unless the caller has the payload permission and asks (`?reveal=payload`); that read is
 * audited. Another tenant's dead letter answers 404, exactly as one that does not exist.
 */
export function deadLetterRoutes(deps: DeadLetterRouteDeps) {
  /** The dead letters of a selection by id, each visible to the caller, else 404. */
  const assertVisible = async (principal: Principal, seqs: readonly number[]) => {
    if (principal.tenants.includes('*')) return;
    const visible = new Set(
      (await requireService(deps.service).getMany(seqs))
        .filter((deadLetter) => maySeeTenant(principal, deadLetter.tenant))
        .map((deadLetter) => deadLetter.seq),
    );
    const hidden = seqs.find((seq) => !visible.has(seq));
    if (hidden !== undefined)
      throw new PlumblineError(ErrorCode.NotFound, `no dead letter ${hidden}`);
  };
  const replayRequest = async (c: Context<AppEnv>): Promise<ReplayRequest> => {
    const principal = c.get('principal');
    const request = parseReplayRequest(await jsonBody(c));
    if ('ids' in request.select) {
      await assertVisible(principal, request.select.ids);
      return request;
    }
    return { ...request, select: { filter: scopeToTenants(principal, request.select.filter) } };
  };

  return new Hono<AppEnv>()
    .get('/', async (c) => {
      const filter = scopeToTenants(c.get('principal'), queryFilter(c, ['cursor', 'limit']));
      const cursor = c.req.query('cursor');
      const page = await requireService(deps.service).list(filter, {
        ...(cursor === undefined ? {} : { before: positiveInt(cursor, 'cursor') }),
        limit: limitParam(c.req.query('limit'), 50, 500),
      });
      return c.json({
        items: page.items,
        ...(page.nextCursor === undefined ? {} : { nextCursor: String(page.nextCursor) }),
      });
    })
    .get('/problems', async (c) => {
      const filter = scopeToTenants(c.get('principal'), queryFilter(c, ['limit']));
      return c.json({
        problems: await requireService(deps.service).problems(
          filter,
          limitParam(c.req.query('limit'), 100, 1_000),
        ),
      });
    })
    .put('/problems/:key/triage', async (c) => {
      const body = await jsonBody(c);
      onlyFields(body, ['state', 'note', 'ticket']);
      const state = allTriageStates.find((candidate) => candidate === body.state);
      const problems: RequestProblem[] = [];
      if (state === undefined)
        problems.push({ path: 'state', message: `must be one of ${allTriageStates.join(', ')}` });
      if (body.note !== undefined && (typeof body.note !== 'string' || body.note.length > 2_000))
        problems.push({ path: 'note', message: 'must be a string of at most 2000 characters' });
      const ticket = ticketProblem(body.ticket, 'ticket');
      if (ticket !== undefined) problems.push(ticket);
      if (problems.length > 0) throw badRequest('invalid triage', problems);
      return c.json(
        await requireService(deps.service).triage(
          c.req.param('key'),
          {
            to: state as TriageState,
            ...(typeof body.note === 'string' ? { note: body.note } : {}),
            ...(typeof body.ticket === 'string' ? { ticket: body.ticket } : {}),
          },
          actorOf(c),
        ),
      );
    })
    .post('/resolve', async (c) => {
      const body = await jsonBody(c);
      onlyFields(body, ['seqs', 'reason', 'ticket']);
      const problems: RequestProblem[] = [];
      const seqs = body.seqs;
      if (
        !Array.isArray(seqs) ||
        seqs.length === 0 ||
        seqs.length > 1_000 ||
        seqs.some((seq) => !Number.isSafeInteger(seq) || (seq as number) < 1)
      )
        problems.push({
          path: 'seqs',
          message: 'must be a list of 1 to 1000 dead-letter sequences',
        });
      const reason = reasonProblem(body.reason, 'reason');
      if (reason !== undefined) problems.push(reason);
      const ticket = ticketProblem(body.ticket, 'ticket');
      if (ticket !== undefined) problems.push(ticket);
      if (problems.length > 0) throw badRequest('invalid resolution', problems);
      await assertVisible(c.get('principal'), seqs as number[]);
      return c.json(
        await requireService(deps.service).resolve(
          seqs as number[],
          body.reason as string,
          typeof body.ticket === 'string' ? body.ticket : undefined,
          actorOf(c),
        ),
      );
    })
    .post('/dry-run', async (c) =>
      c.json(await requireService(deps.service).dryRun(await replayRequest(c))),
    )
    .post('/replay', async (c) => {
      const job = await requireService(deps.service).replay(await replayRequest(c), actorOf(c));
      return c.json(job, 202);
    })
    .get('/:seq', async (c) => {
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
      const detail = deadLetterDetail(
        stored,
        (type) => deps.registry.sensitiveFields(type),
        reveal,
      );
      const tenantVisible =
        detail.tenant === undefined
          ? principal.tenants.includes('*')
          : maySeeTenant(principal, detail.tenant);
      if (!tenantVisible) throw notFound;
      if (reveal)
        await deps.audit.record({
          ...auditedBy(actorOf(c)),
          action: 'dead-letter.payload.view',
          target: deadLetterTarget(seq),
          after: { type: detail.type, source: detail.source, tenant: detail.tenant },
        });
      const indexed = await deps.service?.get(seq);
      c.header('cache-control', 'no-store');
      return c.json({ ...detail, ...(indexed === undefined ? {} : { indexed }) });
    });
}

/**
 * Replay jobs (mounted at /api/replay-jobs): list, one with progress, cancel. A caller limited to
 * some tenants sees and cancels only jobs within them; another tenant's job answers 404.
 */
export function replayJobRoutes(service: DeadLetterService) {
  return new Hono<AppEnv>()
    .get('/', async (c) =>
      c.json({
        jobs: await service.jobs(
          limitParam(c.req.query('limit'), 50, 500),
          c.get('principal').tenants,
        ),
      }),
    )
    .get('/:id', async (c) =>
      c.json(await service.job(c.req.param('id'), c.get('principal').tenants)),
    )
    .post('/:id/cancel', async (c) => {
      const body = await jsonBody(c);
      onlyFields(body, ['reason', 'ticket']);
      const problems = [
        reasonProblem(body.reason, 'reason'),
        ticketProblem(body.ticket, 'ticket'),
      ].filter((problem) => problem !== undefined);
      if (problems.length > 0) throw badRequest('invalid cancel', problems);
      return c.json(
        await service.cancel(
          c.req.param('id'),
          body.reason as string,
          typeof body.ticket === 'string' ? body.ticket : undefined,
          actorOf(c),
          c.get('principal').tenants,
        ),
      );
    });
}

import { Hono, type Context } from 'hono';
import { ErrorCode, PlumblineError, mayChangeSubject } from '@plumbline/core';
import type { ContractRegistryService } from '@plumbline/registry';
import type { AppEnv } from '../app-env';
import {
  actorOf,
  dateParam,
  jsonBody,
  lintRulesField,
  modeField,
  onlyFields,
  optionalString,
  positiveInt,
  schemaField,
  subjectField,
} from '../request';

const day = 24 * 60 * 60 * 1_000;

/**
 * Object-level check on every change to a subject: a contract owner changes only subjects in their
 * scope (by type pattern, or by the subject's domain; for a new subject, the domain it asks for),
 * and may not move a subject into a domain outside it.
 */
function assertMayChange(
  c: Context<AppEnv>,
  registry: ContractRegistryService,
  type: string,
  requestedDomain?: string,
): void {
  const principal = c.get('principal');
  const current = registry.domainOf(type);
  const allowed =
    mayChangeSubject(principal, type, current ?? requestedDomain) &&
    (requestedDomain === undefined || mayChangeSubject(principal, type, requestedDomain));
  if (!allowed)
    throw new PlumblineError(
      ErrorCode.Forbidden,
      `${principal.name} (${principal.role}) may not change subject '${type}': it is outside their scope`,
      { details: { type } },
    );
}

/** Contract registry for API owners (mounted at /api/contracts). */
export function contractRoutes(registry: ContractRegistryService) {
  return new Hono<AppEnv>()
    .get('/', (c) => {
      const { search, domain, tag } = c.req.query();
      for (const [name, value] of Object.entries({ search, domain, tag }))
        if (value !== undefined && value.length > 200)
          throw new PlumblineError(ErrorCode.BadRequest, `${name} must be at most 200 characters`);
      return c.json({
        subjects: registry.listSubjects({
          ...(search ? { search } : {}),
          ...(domain ? { domain } : {}),
          ...(tag ? { tag } : {}),
        }),
      });
    })
    .get('/:type', (c) => c.json(registry.getSubject(c.req.param('type'))))
    .patch('/:type', async (c) => {
      const body = await jsonBody(c);
      assertMayChange(c, registry, c.req.param('type'), optionalString(body, 'domain', 500));
      const patch: Record<string, unknown> = {};
      for (const key of [
        'domain',
        'description',
        'ownerTeam',
        'contact',
        'systemOfRecord',
      ] as const) {
        const value = optionalString(body, key, 500);
        if (value !== undefined) patch[key] = value;
      }
      if (body.tags !== undefined) {
        if (!Array.isArray(body.tags) || body.tags.some((tag) => typeof tag !== 'string'))
          throw new PlumblineError(ErrorCode.BadRequest, "'tags' must be a list of strings");
        patch.tags = body.tags;
      }
      onlyFields(body, [
        'domain',
        'description',
        'ownerTeam',
        'contact',
        'systemOfRecord',
        'tags',
        'reason',
      ]);
      return c.json(
        await registry.updateSubject(
          c.req.param('type'),
          patch,
          actorOf(c),
          optionalString(body, 'reason'),
        ),
      );
    })
    .put('/:type/compatibility', async (c) => {
      const body = await jsonBody(c);
      onlyFields(body, ['compatibility', 'lenient', 'reason']);
      assertMayChange(c, registry, c.req.param('type'));
      const compatibility = modeField(body.compatibility);
      if (body.lenient !== undefined && typeof body.lenient !== 'boolean')
        throw new PlumblineError(ErrorCode.BadRequest, "'lenient' must be true or false");
      const settings = {
        ...(compatibility === undefined ? {} : { compatibility }),
        ...(body.lenient === undefined ? {} : { lenient: body.lenient }),
      };
      return c.json(
        await registry.setCompatibility(
          c.req.param('type'),
          settings,
          actorOf(c),
          optionalString(body, 'reason'),
        ),
      );
    })
    .post('/:type/compatibility', async (c) => {
      const body = await jsonBody(c);
      onlyFields(body, ['schema']);
      const plan = registry.test(c.req.param('type'), schemaField(body));
      switch (plan.kind) {
        case 'existing':
          return c.json({
            compatible: true,
            existingVersion: plan.version.version,
            lint: plan.lint,
          });
        case 'new':
          return c.json({
            compatible: true,
            version: plan.version,
            mode: plan.mode,
            changes: plan.compatibility.changes,
            lint: plan.lint,
          });
        case 'refused':
          return c.json({
            compatible: false,
            code: plan.code,
            message: plan.message,
            mode: plan.mode,
            problems: plan.problems,
          });
      }
    })
    .post('/:type/versions', async (c) => {
      const body = await jsonBody(c);
      onlyFields(body, ['schema', 'subject', 'draft', 'reason']);
      const subject = subjectField(body);
      assertMayChange(c, registry, c.req.param('type'), subject?.domain);
      if (body.draft !== undefined && typeof body.draft !== 'boolean')
        throw new PlumblineError(ErrorCode.BadRequest, "'draft' must be true or false");
      const reason = optionalString(body, 'reason');
      const result = await registry.register(c.req.param('type'), schemaField(body), actorOf(c), {
        ...(reason === undefined ? {} : { reason }),
        ...(subject === undefined ? {} : { subject }),
        draft: body.draft === true,
      });
      return c.json(result, result.outcome === 'registered' ? 201 : 200);
    })
    .get('/:type/versions/:version', (c) =>
      c.json(
        registry.getVersion(c.req.param('type'), positiveInt(c.req.param('version'), 'version')),
      ),
    )
    .get('/:type/versions/:version/schema', (c) => {
      const version = registry.getVersion(
        c.req.param('type'),
        positiveInt(c.req.param('version'), 'version'),
      );
      return c.body(JSON.stringify(version.schema, null, 2), 200, {
        'content-type': 'application/schema+json',
      });
    })
    .post('/:type/versions/:version/:action{activate|deprecate|retire}', async (c) => {
      const body = await jsonBody(c);
      onlyFields(body, ['sunset', 'reason']);
      assertMayChange(c, registry, c.req.param('type'));
      const state = ({ activate: 'active', deprecate: 'deprecated', retire: 'retired' } as const)[
        c.req.param('action') as 'activate' | 'deprecate' | 'retire'
      ];
      const sunset = optionalString(body, 'sunset', 40);
      const reason = optionalString(body, 'reason');
      return c.json(
        await registry.setLifecycle(
          c.req.param('type'),
          positiveInt(c.req.param('version'), 'version'),
          state,
          actorOf(c),
          {
            ...(sunset === undefined ? {} : { sunset }),
            ...(reason === undefined ? {} : { reason }),
          },
        ),
      );
    })
    .get('/:type/diff', (c) => {
      const type = c.req.param('type');
      return c.json(
        registry.diff(
          type,
          positiveInt(c.req.query('from'), 'from'),
          positiveInt(c.req.query('to'), 'to'),
        ),
      );
    })
    .get('/:type/usage', async (c) => {
      const to = dateParam(c.req.query('to'), 'to', new Date());
      const from = dateParam(c.req.query('from'), 'from', new Date(to.getTime() - 7 * day));
      return c.json({
        type: c.req.param('type'),
        from: from.toISOString(),
        to: to.toISOString(),
        usage: await registry.usage(c.req.param('type'), from, to),
      });
    });
}

/** Registry-wide settings (mounted at /api/registry). */
export function registryConfigRoutes(registry: ContractRegistryService, current: () => unknown) {
  return new Hono<AppEnv>()
    .get('/config', (c) => c.json(current()))
    .put('/config', async (c) => {
      const body = await jsonBody(c);
      onlyFields(body, ['compatibility', 'lintRequired', 'reason']);
      const compatibility = modeField(body.compatibility);
      const lintRequired = lintRulesField(body.lintRequired);
      return c.json(
        await registry.setGlobalConfig(
          {
            ...(compatibility === undefined ? {} : { compatibility }),
            ...(lintRequired === undefined ? {} : { lintRequired }),
          },
          actorOf(c),
          optionalString(body, 'reason'),
        ),
      );
    });
}

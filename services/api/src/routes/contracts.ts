import { Hono } from 'hono';
import { ErrorCode, PlumblineError } from '@plumbline/core';
import type { ContractRegistryService } from '@plumbline/registry';
import {
  actorOf,
  dateParam,
  jsonBody,
  lintRulesField,
  modeField,
  optionalString,
  positiveInt,
  schemaField,
} from '../request';

const day = 24 * 60 * 60 * 1_000;

/** Contract registry for API owners (mounted at /api/contracts). */
export function contractRoutes(registry: ContractRegistryService) {
  return new Hono()
    .get('/', (c) => {
      const { search, domain, tag } = c.req.query();
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
      const unknown = Object.keys(body).filter(
        (key) =>
          ![
            'domain',
            'description',
            'ownerTeam',
            'contact',
            'systemOfRecord',
            'tags',
            'reason',
          ].includes(key),
      );
      if (unknown.length > 0)
        throw new PlumblineError(ErrorCode.BadRequest, `unknown field(s): ${unknown.join(', ')}`);
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
      const plan = registry.test(c.req.param('type'), schemaField(await jsonBody(c)));
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
      if (body.draft !== undefined && typeof body.draft !== 'boolean')
        throw new PlumblineError(ErrorCode.BadRequest, "'draft' must be true or false");
      const subject =
        body.subject === undefined ? undefined : (body.subject as Record<string, unknown>);
      const result = await registry.register(c.req.param('type'), schemaField(body), actorOf(c), {
        ...(optionalString(body, 'reason') === undefined
          ? {}
          : { reason: optionalString(body, 'reason')! }),
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
  return new Hono()
    .get('/config', (c) => c.json(current()))
    .put('/config', async (c) => {
      const body = await jsonBody(c);
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

import { Hono } from 'hono';
import { ErrorCode, PlumblineError, parseTokenRequest, rolePermissions } from '@plumbline/core';
import type { IdentityService } from '@plumbline/identity';
import type { AppEnv } from '../app-env';
import { actorOf, jsonBody, onlyFields, optionalString } from '../request';

/** Who am I, and access tokens (mounted at /api/auth). */
export function authRoutes(identity: IdentityService) {
  return new Hono<AppEnv>()
    .get('/me', (c) => {
      const principal = c.get('principal');
      return c.json({
        ...principal,
        permissions: [...rolePermissions[principal.role]],
      });
    })
    .get('/tokens', (c) => {
      const { state } = c.req.query();
      if (state !== undefined && !['active', 'expired', 'revoked'].includes(state))
        throw new PlumblineError(ErrorCode.BadRequest, 'state must be active, expired or revoked');
      return c.json({
        tokens: identity.list().filter((token) => state === undefined || token.state === state),
      });
    })
    .post('/tokens', async (c) => {
      const created = await identity.create(parseTokenRequest(await jsonBody(c)), actorOf(c));
      c.header('cache-control', 'no-store');
      return c.json(created, 201);
    })
    .post('/tokens/:id/revoke', async (c) => {
      const body = await jsonBody(c);
      onlyFields(body, ['reason']);
      const reason = optionalString(body, 'reason');
      if (reason === undefined || reason.trim() === '')
        throw new PlumblineError(ErrorCode.BadRequest, "'reason' is required to revoke a token");
      return c.json(await identity.revoke(c.req.param('id'), actorOf(c), reason));
    });
}

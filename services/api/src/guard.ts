import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { matchedRoutes } from 'hono/route';
import { ErrorCode, PlumblineError, RateLimiter, can } from '@plumbline/core';
import type { Authenticator } from '@plumbline/identity';
import type { Logger } from '@plumbline/platform';
import { accessFor } from './access';
import type { AppEnv } from './app-env';

export interface GuardOptions {
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  /** Requests per second per token (burst: twice as many). */
  readonly ratePerSecond: number;
  readonly now?: () => number;
}

/**
 * The API's one access check, in front of every `/api/*` route: find the route's entry in the
 * access table, authenticate the bearer token, apply the per-token rate limit, check the
 * permission. A route with no entry is refused to everyone, admins included.
 */
export function guard(options: GuardOptions) {
  const limiter = new RateLimiter(
    {
      rules: [
        {
          source: '*',
          type: '*',
          perSecond: options.ratePerSecond,
          burst: options.ratePerSecond * 2,
          action: 'reject',
        },
      ],
      delayMs: 0,
      maxDelays: 0,
    },
    options.now,
  );
  const retryAfterSeconds = Math.max(1, Math.ceil(1 / options.ratePerSecond));

  return createMiddleware<AppEnv>(async (c, next) => {
    const route = routeOf(c);
    const access = route === undefined ? undefined : accessFor(route.method, route.path);
    if (access?.kind === 'public') return next();

    const principal = await authenticate(c, options.authenticator);
    if (limiter.take(principal.id, 'api').verdict !== 'allow')
      throw new PlumblineError(
        ErrorCode.RateLimited,
        `too many requests for this token: at most ${options.ratePerSecond} per second`,
        { details: { retryAfterSeconds } },
      );
    c.set('principal', principal);
    if (route === undefined) return next(); // no such route: the 404 handler answers
    if (access === undefined) {
      options.logger.error(
        { route: `${route.method} ${route.path}` },
        'route missing from the access table; refused',
      );
      throw new PlumblineError(ErrorCode.Forbidden, 'this route is not open to any role');
    }
    if (!can(principal, access.permission))
      throw new PlumblineError(
        ErrorCode.Forbidden,
        `the ${principal.role} role does not have the '${access.permission}' permission`,
        { details: { permission: access.permission, role: principal.role } },
      );
    return next();
  });
}

/** The route that will answer (the last non-middleware match), as registered. */
function routeOf(c: Context): { method: string; path: string } | undefined {
  const route = matchedRoutes(c)
    .filter((candidate) => candidate.method !== 'ALL')
    .at(-1);
  return route === undefined ? undefined : { method: route.method, path: route.path };
}

async function authenticate(c: Context, authenticator: Authenticator) {
  const header = c.req.header('authorization');
  if (header === undefined || header === '')
    throw new PlumblineError(
      ErrorCode.Unauthenticated,
      'this route needs an access token: send Authorization: Bearer <token>',
    );
  const match = /^Bearer +(\S{1,512})$/i.exec(header);
  if (match === null)
    throw new PlumblineError(
      ErrorCode.Unauthenticated,
      'the Authorization header must be Bearer <token>',
    );
  const result = await authenticator.authenticate(match[1]!);
  if (result.ok) return result.principal;
  // Never echo the credential. Expired and revoked are said only once the secret has matched.
  const why = {
    malformed: 'the token is not a Plumbline access token',
    unknown: 'the token is not valid',
    expired: 'the token has expired',
    revoked: 'the token has been revoked',
  }[result.reason];
  throw new PlumblineError(ErrorCode.Unauthenticated, why);
}

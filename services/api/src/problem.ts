import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ErrorCode, isPlumblineError } from '@plumbline/core';
import type { Logger } from '@plumbline/platform';

/** RFC 9457 problem details. `code` is stable; clients branch on it. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail?: string;
  readonly instance?: string;
  readonly [extension: string]: unknown;
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

/** Headers some problems carry: the auth scheme for a 401, when to retry for a 429. */
function problemHeaders(code: string, details: Readonly<Record<string, unknown>>) {
  const headers: Record<string, string> = {};
  if (code === ErrorCode.Unauthenticated) headers['www-authenticate'] = 'Bearer realm="plumbline"';
  if (typeof details.retryAfterSeconds === 'number')
    headers['retry-after'] = String(details.retryAfterSeconds);
  return headers;
}

const typeBase = 'https://plumbline.dev/problems/';

/** The API's one error boundary: every error leaves as problem+json, never a stack trace. */
export function onError(logger: Logger) {
  return (error: Error, c: Context): Response => {
    const instance = new URL(c.req.url).pathname;
    if (isPlumblineError(error)) {
      if (error.status >= 500) logger.error({ err: error, path: instance }, 'request failed');
      return problemResponse(
        {
          type: typeBase + error.code,
          title: error.code.replaceAll('_', ' '),
          status: error.status,
          code: error.code,
          detail: error.message,
          instance,
          ...error.details,
        },
        problemHeaders(error.code, error.details),
      );
    }
    if (error instanceof HTTPException) {
      const code = error.status === 404 ? ErrorCode.NotFound : ErrorCode.BadRequest;
      return problemResponse({
        type: typeBase + code,
        title: code.replaceAll('_', ' '),
        status: error.status,
        code,
        detail: error.message,
        instance,
      });
    }
    logger.error({ err: error, path: instance }, 'unexpected error');
    return problemResponse({
      type: typeBase + ErrorCode.Internal,
      title: 'internal error',
      status: 500,
      code: ErrorCode.Internal,
      detail: 'an unexpected error occurred; it has been logged',
      instance,
    });
  };
}

export function notFound(c: Context): Response {
  return problemResponse({
    type: typeBase + ErrorCode.NotFound,
    title: 'not found',
    status: 404,
    code: ErrorCode.NotFound,
    detail: `no route for ${c.req.method} ${new URL(c.req.url).pathname}`,
  });
}

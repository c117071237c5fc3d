import { serve, type ServerType } from '@hono/node-server';
import { healthProbes, openApi, type ApiHandle, type DeadLetterOptions } from '@plumbline/cli';
import { parseTokenRequest, systemActor, type Role } from '@plumbline/core';
import { freePort } from '@plumbline/platform';
import type { TestPlumbline } from './test-plumbline';

export interface ApiResponse {
  readonly status: number;
  readonly type: string;
  readonly headers: Headers;
  readonly text: string;
  readonly body: Record<string, unknown>;
}

export interface TokenOptions {
  readonly name?: string;
  readonly kind?: 'human' | 'service';
  readonly subjects?: readonly string[];
  readonly domains?: readonly string[];
  readonly tenants?: readonly string[];
  readonly expiresInDays?: number;
}

export interface TestApi {
  readonly baseUrl: string;
  readonly handle: ApiHandle;
  /** A new token with `role`, issued directly by the identity service. */
  tokenFor(role: Role, options?: TokenOptions): Promise<string>;
  /** A request over HTTP with `token` as bearer (none when undefined). */
  request(
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse>;
  stop(): Promise<void>;
}

/** The control API as `plumbline start` composes it, served on a free port. */
export async function startTestApi(
  plumbline: TestPlumbline,
  options: DeadLetterOptions = {},
): Promise<TestApi> {
  const handle = await openApi(
    plumbline.infra,
    healthProbes(plumbline.infra, () => plumbline.workers[0]),
    options,
  );
  const port = await freePort();
  const server: ServerType = serve({ fetch: handle.app.fetch, port, hostname: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${port}`;
  let issued = 0;
  return {
    baseUrl,
    handle,
    async tokenFor(role, options = {}) {
      issued += 1;
      const kind = options.kind ?? 'human';
      const created = await handle.identity.service.create(
        parseTokenRequest({
          kind,
          name:
            options.name ??
            (kind === 'human' ? `${role}${issued}@acme.test` : `svc-${role}-${issued}`),
          role,
          ...(options.subjects === undefined ? {} : { subjects: options.subjects }),
          ...(options.domains === undefined ? {} : { domains: options.domains }),
          ...(options.tenants === undefined ? {} : { tenants: options.tenants }),
          ...(options.expiresInDays === undefined ? {} : { expiresInDays: options.expiresInDays }),
        }),
        systemActor,
      );
      return created.token;
    },
    async request(method, path, token, body, headers = {}) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          'content-type': 'application/json',
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...headers,
        },
        ...(body === undefined
          ? {}
          : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: Record<string, unknown>;
      try {
        parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        parsed = {};
      }
      return {
        status: response.status,
        type: response.headers.get('content-type') ?? '',
        headers: response.headers,
        text,
        body: parsed,
      };
    },
    async stop() {
      await new Promise((resolve) => server.close(resolve));
      await handle.stop();
    },
  };
}

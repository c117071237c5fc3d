import type { Principal } from '@plumbline/core';
import type { RequestIdVariables } from 'hono/request-id';

/** What the middleware puts on every request's context for the routes. */
export interface AppEnv {
  Variables: RequestIdVariables & {
    /** Set by the access guard on every non-public route. */
    principal: Principal;
  };
}

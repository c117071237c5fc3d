import type { Principal } from './principal';

/** Who did something, as the audit log records it. */
export interface Actor {
  /** A person's e-mail address or a service account's name. */
  readonly id: string;
  readonly role: string;
  /** The API request that did it, to join the audit log with request logs. */
  readonly requestId?: string;
}

export function actorOf(principal: Principal, requestId?: string): Actor {
  return {
    id: principal.name,
    role: principal.role,
    ...(requestId === undefined ? {} : { requestId }),
  };
}

/** Plumbline acting on its own (the bootstrap token, automatic retries). */
export const systemActor: Actor = { id: 'plumbline', role: 'system' };

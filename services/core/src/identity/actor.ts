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

/**
 * One entry of the audit log: who did what to what, and why. "When" is stamped by the audit log
 * as it records the entry.
 */
export interface AuditEntry {
  readonly actor: string;
  readonly role: string;
  readonly action: string;
  readonly target: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly reason?: string;
  readonly requestId?: string;
}

/** The who of an audit entry, from the acting actor. */
export function auditedBy(actor: Actor): Pick<AuditEntry, 'actor' | 'role' | 'requestId'> {
  return {
    actor: actor.id,
    role: actor.role,
    ...(actor.requestId === undefined ? {} : { requestId: actor.requestId }),
  };
}

/** Plumbline acting on its own (the bootstrap token, automatic retries). */
export const systemActor: Actor = { id: 'plumbline', role: 'system' };

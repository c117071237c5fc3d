import type { Actor } from '@plumbline/core';
import type { ClickHouseStore } from './clickhouse-store';

/** The who of an audit entry, from the acting principal. */
export function auditedBy(actor: Actor): Pick<AuditEntry, 'actor' | 'role' | 'requestId'> {
  return {
    actor: actor.id,
    role: actor.role,
    ...(actor.requestId === undefined ? {} : { requestId: actor.requestId }),
  };
}

/** Who did what to what, when and why. Append-only: nothing in Plumbline updates or deletes rows. */
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

export interface AuditRecord extends Required<Omit<AuditEntry, 'before' | 'after'>> {
  readonly at: string;
  readonly before: string;
  readonly after: string;
}

export class AuditLog {
  readonly #table: string;

  constructor(private readonly store: ClickHouseStore) {
    this.#table = `${store.database}.audit_log_v1`;
  }

  async record(entry: AuditEntry, now: Date = new Date()): Promise<void> {
    await this.store.insert(this.#table, [
      {
        at: now.getTime(),
        actor: entry.actor,
        role: entry.role,
        action: entry.action,
        target: entry.target,
        before: entry.before === undefined ? '' : JSON.stringify(entry.before),
        after: entry.after === undefined ? '' : JSON.stringify(entry.after),
        reason: entry.reason ?? '',
        request_id: entry.requestId ?? '',
      },
    ]);
  }

  /** Newest first. */
  list(
    filter: { target?: string; action?: string; actor?: string; limit?: number } = {},
  ): Promise<AuditRecord[]> {
    return this.store.query<AuditRecord>(
      `SELECT toString(at) AS at, actor, role, action, target, before, after, reason, request_id AS requestId
       FROM ${this.#table}
       WHERE ({target:String} = '' OR target = {target:String}) AND ({action:String} = '' OR action = {action:String})
         AND ({actor:String} = '' OR actor = {actor:String})
       ORDER BY at DESC LIMIT {limit:UInt32}`,
      {
        target: filter.target ?? '',
        action: filter.action ?? '',
        actor: filter.actor ?? '',
        limit: Math.min(filter.limit ?? 100, 1_000),
      },
    );
  }
}

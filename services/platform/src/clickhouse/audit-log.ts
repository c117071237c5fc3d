import type { AuditEntry } from '@plumbline/core';
import type { ClickHouseStore } from './clickhouse-store';

export interface AuditRecord extends Required<Omit<AuditEntry, 'before' | 'after'>> {
  readonly at: string;
  readonly before: string;
  readonly after: string;
}

/** The audit log: who did what to what, when and why. Append-only: nothing updates or deletes rows. */
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

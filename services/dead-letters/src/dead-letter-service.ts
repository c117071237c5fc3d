import { randomBytes } from 'node:crypto';
import {
  ErrorCode,
  PlumblineError,
  applyJobEvent,
  auditCancel,
  auditPatch,
  auditReplay,
  auditResolve,
  auditTriage,
  createReplayJob,
  dryRunReplay,
  maySeeReplayJob,
  maxReplayIds,
  transitionDeadLetter,
  transitionTriage,
  untriaged,
  type Actor,
  type AuditEntry,
  type DeadLetter,
  type DeadLetterFilter,
  type Decision,
  type DryRunItem,
  type DryRunReport,
  type IngestMessage,
  type Problem,
  type ReplayJob,
  type ReplayRequest,
  type ReplaySelection,
  type TriageState,
} from '@plumbline/core';
import type {
  AuditLog,
  ClickHouseStore,
  DeadLetterIndex,
  DeadLetterPage,
  DeadLetterReader,
  DeadLetterStates,
  IndexFilter,
  ReplayJobStore,
} from '@plumbline/platform';

export interface DeadLetterServiceDeps {
  readonly index: DeadLetterIndex;
  readonly states: DeadLetterStates;
  readonly jobs: ReplayJobStore;
  readonly reader: DeadLetterReader;
  readonly audit: AuditLog;
  /** Lineage, to count how many replayed envelopes governance accepted. */
  readonly lineage: ClickHouseStore;
  /**
   * The governance decision over the current contracts and policies, rate limits off: what a
   * dry run asks (see `dryRunReplay`).
   */
  readonly decide: (message: IngestMessage) => Decision;
  readonly now?: () => number;
  readonly newJobId?: () => string;
}

/** Most dead letters one dry run looks at; the report says when it stopped there. */
export const maxDryRunItems = 10_000;

/**
 * What support does with dead letters: find them (filters, problems), triage problems, resolve
 * without replay, check a replay (dry run) and ask for one (a job the runner works through).
 * Every human action is audited with who, when, why and the ticket.
 */
export class DeadLetterService {
  readonly #deps: DeadLetterServiceDeps;
  readonly #now: () => number;
  readonly #newJobId: () => string;

  constructor(deps: DeadLetterServiceDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#newJobId = deps.newJobId ?? (() => `job-${randomBytes(9).toString('base64url')}`);
  }

  list(
    filter: DeadLetterFilter,
    page: { readonly before?: number; readonly limit: number },
  ): Promise<DeadLetterPage> {
    return this.#deps.index.list(filter, page);
  }

  async get(seq: number): Promise<DeadLetter | undefined> {
    return this.#deps.index.get(seq);
  }

  getMany(seqs: readonly number[]): Promise<DeadLetter[]> {
    return this.#deps.index.getMany(seqs);
  }

  problems(filter: DeadLetterFilter, limit: number): Promise<Problem[]> {
    return this.#deps.index.problems(filter, limit);
  }

  async triage(
    key: string,
    change: { readonly to: TriageState; readonly note?: string; readonly ticket?: string },
    actor: Actor,
  ) {
    const before = (await this.#deps.index.triageOf([key])).get(key) ?? untriaged;
    const after = transitionTriage(before, {
      to: change.to,
      ...(change.note === undefined ? {} : { note: change.note }),
      by: actor.id,
      at: this.#now(),
    });
    const audit = auditTriage(actor, key, before, after, change.ticket);
    await this.#deps.index.putTriage(key, after);
    await this.#record(audit);
    return after;
  }

  /**
   * Closes dead letters without replay. Each is claimed in KV first, so a running replay and a
   * resolution can never both take the same dead letter; one already taken is reported, not
   * changed.
   */
  async resolve(
    seqs: readonly number[],
    reason: string,
    ticket: string | undefined,
    actor: Actor,
  ): Promise<{ resolved: number[]; unchanged: { seq: number; state: string }[] }> {
    const resolved: number[] = [];
    const unchanged: { seq: number; state: string }[] = [];
    for (const deadLetter of await this.#deps.index.getMany(seqs)) {
      if (deadLetter.state !== 'open') {
        unchanged.push({ seq: deadLetter.seq, state: deadLetter.state });
        continue;
      }
      const at = this.#now();
      const after = transitionDeadLetter(deadLetter, { to: 'resolved', reason, by: actor.id, at });
      const audit = auditResolve(actor, deadLetter, after, ticket);
      const claim = await this.#deps.states.claim(deadLetter.seq, {
        state: 'resolved',
        by: actor.id,
        at,
        reason,
        jobId: '',
        replayedAs: '',
      });
      if (!claim.claimed) {
        unchanged.push({ seq: deadLetter.seq, state: claim.existing.state });
        continue;
      }
      await this.#deps.index.put([after]);
      await this.#record(audit);
      resolved.push(deadLetter.seq);
    }
    const found = new Set([...resolved, ...unchanged.map((item) => item.seq)]);
    for (const seq of seqs) if (!found.has(seq)) unchanged.push({ seq, state: 'not_found' });
    return { resolved, unchanged };
  }

  /** What replaying the selection now would do; publishes nothing. */
  async dryRun(request: ReplayRequest): Promise<DryRunReport & { readonly truncated: boolean }> {
    const selected = await this.#select(request.select, maxDryRunItems + 1);
    const truncated = selected.length > maxDryRunItems;
    const items: DryRunItem[] = [];
    for (const deadLetter of selected.slice(0, maxDryRunItems)) {
      const stored = await this.#deps.reader.get(deadLetter.seq);
      items.push({
        deadLetter: stored === undefined ? { ...deadLetter, state: 'expired' } : deadLetter,
        body: stored?.body ?? new Uint8Array(),
      });
    }
    const report = dryRunReplay(items, {
      decide: this.#deps.decide,
      ...(request.patch === undefined ? {} : { patch: request.patch }),
    });
    return { ...report, truncated };
  }

  /** Queues a replay job (the runner picks it up); audited with its patch, if any. */
  async replay(request: ReplayRequest, actor: Actor): Promise<ReplayJob> {
    if (request.dryRun)
      throw new PlumblineError(
        ErrorCode.BadRequest,
        'this is a dry run: use the dry-run route, or send dryRun: false to replay',
      );
    const job = createReplayJob({
      id: this.#newJobId(),
      request,
      requestedBy: actor.id,
      tenants:
        'ids' in request.select
          ? (await this.#deps.index.getMany(request.select.ids)).map((letter) => letter.tenant)
          : (request.select.filter.tenants ?? ['*']),
      at: this.#now(),
    });
    const audits = [auditReplay(actor, job), auditPatch(actor, job)];
    if ((await this.#deps.index.count(selectionFilter(request.select))) === 0)
      throw new PlumblineError(ErrorCode.BadRequest, 'the selection holds no dead letter');
    await this.#deps.jobs.create(job);
    for (const audit of audits) if (audit !== undefined) await this.#record(audit);
    return job;
  }

  async cancel(
    jobId: string,
    reason: string,
    ticket: string | undefined,
    actor: Actor,
    tenants: readonly string[],
  ): Promise<ReplayJob> {
    await this.job(jobId, tenants); // another tenant's job is not found
    let before: ReplayJob | undefined;
    const after = await this.#deps.jobs.update(jobId, (job) => {
      before = job;
      return applyJobEvent(job, { type: 'cancelled', at: this.#now(), by: actor.id, reason });
    });
    await this.#record(auditCancel(actor, before!, after, ticket));
    return after;
  }

  /**
   * One job, with `accepted` counted from lineage (replayed envelopes governance accepted), for a
   * caller who sees `tenants`: another tenant's job is not found.
   */
  async job(id: string, tenants: readonly string[]): Promise<ReplayJob> {
    const job = await this.#deps.jobs.get(id);
    if (job === undefined || !maySeeReplayJob(tenants, job))
      throw new PlumblineError(ErrorCode.NotFound, `no replay job ${id}`);
    return this.#withAccepted(job);
  }

  /** The newest jobs a caller who sees `tenants` may see. */
  async jobs(limit: number, tenants: readonly string[]): Promise<ReplayJob[]> {
    const visible = this.#deps.jobs
      .list(Number.MAX_SAFE_INTEGER)
      .filter((job) => maySeeReplayJob(tenants, job))
      .slice(0, limit);
    return Promise.all(visible.map((job) => this.#withAccepted(job)));
  }

  async #withAccepted(job: ReplayJob): Promise<ReplayJob> {
    if (job.progress.replayed === 0) return job;
    const [row] = await this.#deps.lineage.query<{ n: string }>(
      `SELECT count() AS n FROM ${this.#deps.lineage.database}.lineage_v1 FINAL
       WHERE replay_job = {job:String} AND outcome = 'accepted'`,
      { job: job.id },
    );
    const accepted = Math.min(job.progress.replayed, Number(row?.n ?? 0));
    return { ...job, progress: { ...job.progress, accepted } };
  }

  async #select(selection: ReplaySelection, limit: number): Promise<DeadLetter[]> {
    return this.#deps.index.scan(selectionFilter(selection), 0, limit);
  }

  async #record(entry: AuditEntry): Promise<void> {
    await this.#deps.audit.record(entry);
  }
}

/** A selection as an index filter: ids become a sequence list the index can count. */
export function selectionFilter(selection: ReplaySelection): IndexFilter {
  return 'ids' in selection ? { seqs: selection.ids.slice(0, maxReplayIds) } : selection.filter;
}

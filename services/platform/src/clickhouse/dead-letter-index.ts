import {
  parseProblemKey,
  problemKey,
  reopenOnRecurrence,
  untriaged,
  type DeadLetter,
  type DeadLetterFilter,
  type Problem,
  type Reason,
  type Triage,
} from '@plumbline/core';
import type { ClickHouseStore, QueryParams } from './clickhouse-store';

/** A dead-letter filter, plus an explicit list of sequences (a replay's selection by id). */
export type IndexFilter = DeadLetterFilter & { readonly seqs?: readonly number[] };

/** A page of dead letters, newest first; `nextCursor` is undefined on the last page. */
export interface DeadLetterPage {
  readonly items: DeadLetter[];
  readonly nextCursor: number | undefined;
}

interface Row {
  seq: string;
  envelope_key: string;
  envelope_id: string;
  ingest_subject: string;
  ingest_seq: string;
  source: string;
  type: string;
  contract_version: number;
  reason: Reason;
  detail: string;
  errors: string;
  business_key: string;
  correlation_id: string;
  tenant: string;
  region: string;
  received_at: string;
  dead_lettered_at: string;
  size_bytes: number;
  state: DeadLetter['state'];
  state_reason: string;
  state_changed_at: string;
  state_changed_by: string;
  replay_job_id: string;
  replayed_as: string;
  replay_of: string;
  from_replay_job: string;
  auto_retry_attempt: number;
}

const columns = `seq, envelope_key, envelope_id, ingest_subject, ingest_seq, source, type,
  contract_version, reason, detail, errors, business_key, correlation_id, tenant, region,
  toUnixTimestamp64Milli(received_at) AS received_at,
  toUnixTimestamp64Milli(dead_lettered_at) AS dead_lettered_at, size_bytes, state, state_reason,
  toUnixTimestamp64Milli(state_changed_at) AS state_changed_at, state_changed_by, replay_job_id,
  replayed_as, replay_of, from_replay_job, auto_retry_attempt`;

/**
 * The dead-letter index in ClickHouse (`dead_letters_v1`): one row per DEADLETTER stream
 * message, filterable and groupable into problems. A state change is a new row with a later
 * `state_changed_at` (ReplacingMergeTree keeps the latest); reads use FINAL. The bytes stay in
 * the stream; the state that must never race (claims, resolutions) is decided in KV first (see
 * `DeadLetterStates`), and this index follows it.
 */
export class DeadLetterIndex {
  readonly #table: string;
  readonly #triage: string;

  constructor(private readonly store: ClickHouseStore) {
    this.#table = `${store.database}.dead_letters_v1`;
    this.#triage = `${store.database}.problem_triage_v1`;
  }

  async put(deadLetters: readonly DeadLetter[]): Promise<void> {
    await this.store.insert(this.#table, deadLetters.map(toRow));
  }

  async get(seq: number): Promise<DeadLetter | undefined> {
    const rows = await this.store.query<Row>(
      `SELECT ${columns} FROM ${this.#table} FINAL WHERE seq = {seq:UInt64}`,
      { seq },
    );
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  }

  async getMany(seqs: readonly number[]): Promise<DeadLetter[]> {
    if (seqs.length === 0) return [];
    const rows = await this.store.query<Row>(
      `SELECT ${columns} FROM ${this.#table} FINAL WHERE seq IN {seqs:Array(UInt64)} ORDER BY seq`,
      { seqs: [...seqs] },
    );
    return rows.map(fromRow);
  }

  /** Newest first, `limit` per page; `before` is the previous page's `nextCursor`. */
  async list(
    filter: IndexFilter,
    page: { readonly before?: number; readonly limit: number },
  ): Promise<DeadLetterPage> {
    const { where, params } = whereOf(filter);
    const rows = await this.store.query<Row>(
      `SELECT ${columns} FROM ${this.#table} FINAL
       WHERE ${where} AND ({before:UInt64} = 0 OR seq < {before:UInt64})
       ORDER BY seq DESC LIMIT {limit:UInt32}`,
      { ...params, before: page.before ?? 0, limit: page.limit + 1 },
    );
    const items = rows.slice(0, page.limit).map(fromRow);
    return {
      items,
      nextCursor: rows.length > page.limit ? items.at(-1)?.seq : undefined,
    };
  }

  /** Oldest first from `after`: how a replay job walks its selection. */
  async scan(filter: IndexFilter, after: number, limit: number): Promise<DeadLetter[]> {
    const { where, params } = whereOf(filter);
    const rows = await this.store.query<Row>(
      `SELECT ${columns} FROM ${this.#table} FINAL
       WHERE ${where} AND seq > {after:UInt64} ORDER BY seq LIMIT {limit:UInt32}`,
      { ...params, after, limit },
    );
    return rows.map(fromRow);
  }

  async count(filter: IndexFilter): Promise<number> {
    const { where, params } = whereOf(filter);
    const [row] = await this.store.query<{ n: string }>(
      `SELECT count() AS n FROM ${this.#table} FINAL WHERE ${where}`,
      params,
    );
    return Number(row?.n ?? 0);
  }

  /**
   * Dead letters grouped by cause (reason, type, first error pointer), most frequent first, with
   * the triage support set on each; a resolved problem that failed again since shows open.
   */
  async problems(filter: IndexFilter, limit: number): Promise<Problem[]> {
    const { where, params } = whereOf(filter);
    const rows = await this.store.query<{
      key: string;
      problem_reason: Reason;
      problem_type: string;
      sample_message: string;
      sample_seq: string;
      count: string;
      open: string;
      first_seen: string;
      last_seen: string;
    }>(
      // Aliases must not shadow the columns the WHERE clause filters on.
      `SELECT problem_key AS key, any(reason) AS problem_reason, any(type) AS problem_type,
         argMax(detail, seq) AS sample_message,
         max(seq) AS sample_seq, count() AS count, countIf(state = 'open') AS open,
         toUnixTimestamp64Milli(min(dead_lettered_at)) AS first_seen,
         toUnixTimestamp64Milli(max(dead_lettered_at)) AS last_seen
       FROM ${this.#table} FINAL WHERE ${where}
       GROUP BY problem_key ORDER BY count DESC, last_seen DESC LIMIT {limit:UInt32}`,
      { ...params, limit },
    );
    const triage = await this.triageOf(rows.map((row) => row.key));
    return rows.map((row) => ({
      key: row.key,
      reason: row.problem_reason,
      type: row.problem_type,
      pointer: parseProblemKey(row.key)?.pointer ?? '',
      sampleMessage: row.sample_message,
      sampleSeq: Number(row.sample_seq),
      count: Number(row.count),
      open: Number(row.open),
      firstSeen: Number(row.first_seen),
      lastSeen: Number(row.last_seen),
      triage: reopenOnRecurrence(triage.get(row.key) ?? untriaged, Number(row.last_seen)),
    }));
  }

  async triageOf(keys: readonly string[]): Promise<Map<string, Triage>> {
    if (keys.length === 0) return new Map();
    const rows = await this.store.query<{
      problem_key: string;
      state: Triage['state'];
      note: string;
      changed_by: string;
      changed_at: string;
    }>(
      `SELECT problem_key, state, note, changed_by, toUnixTimestamp64Milli(changed_at) AS changed_at
       FROM ${this.#triage} FINAL WHERE problem_key IN {keys:Array(String)}`,
      { keys: [...keys] },
    );
    return new Map(
      rows.map((row) => [
        row.problem_key,
        {
          state: row.state,
          note: row.note,
          changedBy: row.changed_by,
          changedAt: Number(row.changed_at),
        },
      ]),
    );
  }

  async putTriage(key: string, triage: Triage): Promise<void> {
    await this.store.insert(this.#triage, [
      {
        problem_key: key,
        state: triage.state,
        note: triage.note,
        changed_by: triage.changedBy,
        changed_at: triage.changedAt,
      },
    ]);
  }
}

/** The filter as SQL; every value is a bound parameter. */
function whereOf(filter: IndexFilter): { where: string; params: QueryParams } {
  const conditions: string[] = ['1'];
  const params: Record<string, unknown> = {};
  const inList = (column: string, name: string, type: string, values?: readonly unknown[]) => {
    if (values === undefined) return;
    conditions.push(`${column} IN {${name}:Array(${type})}`);
    params[name] = [...values];
  };
  inList('reason', 'reasons', 'String', filter.reasons);
  inList('type', 'types', 'String', filter.types);
  inList('contract_version', 'versions', 'UInt32', filter.contractVersions);
  inList('source', 'sources', 'String', filter.sources);
  inList('tenant', 'tenants', 'String', filter.tenants);
  inList('state', 'states', 'String', filter.states);
  inList('seq', 'seqs', 'UInt64', filter.seqs);
  const equals = (column: string, name: string, value?: string) => {
    if (value === undefined) return;
    conditions.push(`${column} = {${name}:String}`);
    params[name] = value;
  };
  equals('business_key', 'businessKey', filter.businessKey);
  equals('correlation_id', 'correlationId', filter.correlationId);
  equals('problem_key', 'problemKey', filter.problemKey);
  if (filter.from !== undefined) {
    conditions.push(`dead_lettered_at >= fromUnixTimestamp64Milli({from:Int64})`);
    params.from = filter.from;
  }
  if (filter.to !== undefined) {
    conditions.push(`dead_lettered_at < fromUnixTimestamp64Milli({to:Int64})`);
    params.to = filter.to;
  }
  if (filter.text !== undefined) {
    conditions.push(
      `positionCaseInsensitiveUTF8(concat(detail, '\\n', errors), {text:String}) > 0`,
    );
    params.text = filter.text;
  }
  return { where: conditions.join(' AND '), params };
}

function toRow(deadLetter: DeadLetter): Record<string, unknown> {
  return {
    seq: deadLetter.seq,
    envelope_key: deadLetter.envelopeKey,
    envelope_id: deadLetter.envelopeId,
    ingest_subject: deadLetter.ingestSubject,
    ingest_seq: deadLetter.ingestSeq,
    source: deadLetter.source,
    type: deadLetter.type,
    contract_version: deadLetter.contractVersion,
    reason: deadLetter.reason,
    detail: deadLetter.detail,
    errors: JSON.stringify(deadLetter.errors),
    problem_key: problemKey(deadLetter),
    business_key: deadLetter.businessKey,
    correlation_id: deadLetter.correlationId,
    tenant: deadLetter.tenant,
    region: deadLetter.region,
    received_at: deadLetter.receivedAt,
    dead_lettered_at: deadLetter.deadLetteredAt,
    size_bytes: deadLetter.sizeBytes,
    state: deadLetter.state,
    state_reason: deadLetter.stateReason,
    state_changed_at: deadLetter.stateChangedAt,
    state_changed_by: deadLetter.stateChangedBy,
    replay_job_id: deadLetter.replayJobId,
    replayed_as: deadLetter.replayedAs,
    replay_of: deadLetter.replayOf,
    from_replay_job: deadLetter.fromReplayJob,
    auto_retry_attempt: deadLetter.autoRetryAttempt,
  };
}

function fromRow(row: Row): DeadLetter {
  return {
    seq: Number(row.seq),
    envelopeKey: row.envelope_key,
    envelopeId: row.envelope_id,
    ingestSubject: row.ingest_subject,
    ingestSeq: Number(row.ingest_seq),
    source: row.source,
    type: row.type,
    contractVersion: Number(row.contract_version),
    reason: row.reason,
    detail: row.detail,
    errors: JSON.parse(row.errors) as DeadLetter['errors'],
    businessKey: row.business_key,
    correlationId: row.correlation_id,
    tenant: row.tenant,
    region: row.region,
    receivedAt: Number(row.received_at),
    deadLetteredAt: Number(row.dead_lettered_at),
    sizeBytes: Number(row.size_bytes),
    state: row.state,
    stateReason: row.state_reason,
    stateChangedAt: Number(row.state_changed_at),
    stateChangedBy: row.state_changed_by,
    replayJobId: row.replay_job_id,
    replayedAs: row.replayed_as,
    replayOf: row.replay_of,
    fromReplayJob: row.from_replay_job,
    autoRetryAttempt: Number(row.auto_retry_attempt),
  };
}

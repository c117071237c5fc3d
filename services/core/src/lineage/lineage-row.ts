import { envelopeKey } from '../envelope/envelope';
import type { Decision } from '../governance/decision';

/** One row of `lineage_v1`: what happened to one envelope. Column names as in ClickHouse. */
export interface LineageRow {
  readonly envelope_key: string;
  readonly envelope_id: string;
  readonly source: string;
  readonly type: string;
  readonly contract_version: number;
  readonly outcome: Decision['outcome'];
  readonly reason: string;
  readonly reason_detail: string;
  readonly errors: string;
  readonly deprecated: boolean;
  readonly business_key: string;
  readonly tracked_num: Readonly<Record<string, number>>;
  readonly tracked_str: Readonly<Record<string, string>>;
  readonly correlation_id: string;
  readonly causation_id: string;
  readonly tenant: string;
  readonly region: string;
  readonly subject: string;
  /** Milliseconds since the epoch (ClickHouse parses them into DateTime64(3)). */
  readonly event_time: number;
  readonly received_at: number;
  readonly decided_at: number;
  readonly latency_ms: number;
  readonly size_bytes: number;
  readonly delivery: number;
  readonly ingest_seq: number;
  readonly output_stream: string;
  readonly output_seq: number;
  readonly worker_id: string;
  readonly replay_of: string;
  readonly replay_job: string;
}

export interface LineageContext {
  readonly ingestSeq: number;
  /** INGEST stream timestamp in ms: the same for every redelivery of the message. */
  readonly receivedAt: number;
  readonly decidedAt: number;
  readonly sizeBytes: number;
  readonly delivery: number;
  readonly outputStream: string;
  readonly outputSeq: number;
  readonly workerId: string;
}

const maxDetail = 2_000;

export function toLineageRow(decision: Decision, context: LineageContext): LineageRow {
  const envelope = decision.envelope;
  const eventTime = envelope?.time === undefined ? Number.NaN : Date.parse(envelope.time);
  const extracted = decision.outcome === 'accepted' ? decision.extracted : undefined;
  const str = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    envelope_key: envelope === undefined ? `stream:${context.ingestSeq}` : envelopeKey(envelope),
    envelope_id: envelope?.id ?? '',
    source: decision.source,
    type: decision.type,
    contract_version: decision.contract?.version ?? 0,
    outcome: decision.outcome,
    reason: decision.outcome === 'accepted' ? '' : decision.reason,
    reason_detail: decision.outcome === 'accepted' ? '' : decision.detail.slice(0, maxDetail),
    errors: decision.outcome === 'rejected' ? JSON.stringify(decision.errors.slice(0, 50)) : '[]',
    deprecated: decision.outcome === 'accepted' && decision.deprecated,
    business_key: extracted?.businessKey ?? '',
    tracked_num: extracted?.trackedNum ?? {},
    tracked_str: extracted?.trackedStr ?? {},
    correlation_id: str(envelope?.correlationid),
    causation_id: str(envelope?.causationid),
    tenant: str(envelope?.tenant),
    region: str(envelope?.region),
    subject: str(envelope?.subject).slice(0, 500),
    event_time: Number.isFinite(eventTime) ? eventTime : context.receivedAt,
    received_at: context.receivedAt,
    decided_at: context.decidedAt,
    latency_ms: Math.max(0, Math.round(context.decidedAt - context.receivedAt)),
    size_bytes: context.sizeBytes,
    delivery: context.delivery,
    ingest_seq: context.ingestSeq,
    output_stream: context.outputStream,
    output_seq: context.outputSeq,
    worker_id: context.workerId,
    replay_of: str(envelope?.replayof),
    replay_job: str(envelope?.replayjob),
  };
}

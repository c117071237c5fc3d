import { allReasons, Reason } from '../governance/outcome';
import type { ValidationError } from '../validation-error';
import { DeadLetterState, type DeadLetter } from './dead-letter';
import { parseEnvelopeObject, type StoredDeadLetter } from './dead-letter-detail';

/** Header names the worker sets on every dead letter (see the governance worker). */
export const DeadLetterHeader = {
  Reason: 'Plumbline-Reason',
  Detail: 'Plumbline-Detail',
  Errors: 'Plumbline-Errors',
  IngestSubject: 'Plumbline-Ingest-Subject',
  IngestSeq: 'Plumbline-Ingest-Seq',
  ContractVersion: 'Plumbline-Contract-Version',
  ReceivedAt: 'Plumbline-Received-At',
} as const;

/**
 * The job id of an automatic retry: `retry<attempt>-<dead letter seq>`. The attempt travels in
 * the id (and so in the `replayjob` extension), so a retry that fails again is indexed with its
 * attempt number without looking anything up.
 */
export function automaticRetryJobId(attempt: number, deadLetterSeq: number): string {
  return `retry${attempt}-${deadLetterSeq}`;
}

export function automaticRetryAttempt(jobId: string): number {
  const match = /^retry([1-9][0-9]{0,3})-[0-9]+$/.exec(jobId);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

/**
 * The index entry for a message of the DEADLETTER stream: what the worker said (headers) and
 * what the envelope says (body), as far as the bytes are an envelope. `businessKeyOf` reads the
 * business key with the contract's annotations (hashed when sensitive); `''` when it cannot.
 */
export function deadLetterFromStream(
  stored: StoredDeadLetter,
  businessKeyOf: (type: string, data: unknown) => string,
): DeadLetter {
  const header = (name: string) => stored.headers[name] ?? '';
  const envelope = parseEnvelopeObject(stored.body);
  const str = (key: string) => (typeof envelope?.[key] === 'string' ? envelope[key] : '');
  const ingestSubject = header(DeadLetterHeader.IngestSubject);
  const [, subjectSource = '', ...subjectType] = ingestSubject.split('.');
  const ingestSeq = wholeNumber(header(DeadLetterHeader.IngestSeq));
  const source = str('source') || subjectSource;
  const type = str('type') || subjectType.join('.');
  const id = str('id');
  const reasonHeader = header(DeadLetterHeader.Reason) || stored.subject.split('.')[1] || '';
  const reason =
    allReasons.find((candidate) => candidate === reasonHeader) ?? Reason.ProcessingFailed;
  const deadLetteredAt = Date.parse(stored.storedAt);
  const fromReplayJob = str('replayjob');
  return {
    seq: stored.seq,
    envelopeKey: source !== '' && id !== '' ? `${source}:${id}` : `stream:${ingestSeq}`,
    envelopeId: id,
    ingestSubject,
    ingestSeq,
    source,
    type,
    contractVersion: wholeNumber(header(DeadLetterHeader.ContractVersion)),
    reason,
    detail: header(DeadLetterHeader.Detail).slice(0, 2_000),
    errors: parseErrors(header(DeadLetterHeader.Errors)),
    businessKey: envelope === undefined || type === '' ? '' : businessKeyOf(type, envelope.data),
    correlationId: str('correlationid'),
    tenant: str('tenant'),
    region: str('region'),
    receivedAt: wholeNumber(header(DeadLetterHeader.ReceivedAt)) || deadLetteredAt,
    deadLetteredAt,
    sizeBytes: stored.body.length,
    state: DeadLetterState.Open,
    stateReason: '',
    stateChangedAt: deadLetteredAt,
    stateChangedBy: 'system',
    replayJobId: '',
    replayedAs: '',
    replayOf: str('replayof'),
    fromReplayJob,
    autoRetryAttempt: automaticRetryAttempt(fromReplayJob),
  };
}

function parseErrors(text: string): ValidationError[] {
  if (text === '') return [];
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) return [];
    return value
      .filter(
        (item): item is ValidationError =>
          typeof item === 'object' &&
          item !== null &&
          typeof (item as ValidationError).pointer === 'string' &&
          typeof (item as ValidationError).message === 'string',
      )
      .map((item) => ({
        pointer: item.pointer,
        keyword: typeof item.keyword === 'string' ? item.keyword : '',
        message: item.message,
      }));
  } catch {
    return [];
  }
}

function wholeNumber(text: string): number {
  const value = Number(text);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

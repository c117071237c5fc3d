import { describe, expect, it } from 'vitest';
import {
  automaticRetryAttempt,
  automaticRetryJobId,
  deadLetterFromStream,
} from './dead-letter-from-stream';
import { problemKey } from './problem';

const encode = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const headers = {
  'Plumbline-Reason': 'schema_violation',
  'Plumbline-Detail': '/hours must be >= 0',
  'Plumbline-Errors': JSON.stringify([
    { pointer: '/lines/3/amount', keyword: 'minimum', message: 'must be >= 0' },
  ]),
  'Plumbline-Ingest-Subject': 'ingest.payroll.timesheet.approved',
  'Plumbline-Ingest-Seq': '41',
  'Plumbline-Contract-Version': '2',
  'Plumbline-Received-At': '1795430000000',
};
const envelope = {
  id: 'ts-1',
  source: 'payroll',
  type: 'timesheet.approved',
  tenant: 'acme',
  region: 'eu',
  correlationid: 'corr-9',
  data: { timesheet_ref: 'TS-000001' },
};
const stored = (body: unknown, extra: Record<string, string> = {}) => ({
  seq: 7,
  subject: 'dlq.schema_violation.timesheet.approved',
  storedAt: '2026-11-23T10:00:00.000Z',
  headers: { ...headers, ...extra },
  body: encode(body),
});
const key = (_type: string, data: unknown) =>
  (data as { timesheet_ref?: string }).timesheet_ref ?? '';

describe('deadLetterFromStream', () => {
  it('reads the worker headers and the envelope into an open dead letter', () => {
    const deadLetter = deadLetterFromStream(stored(envelope), key);
    expect(deadLetter).toMatchObject({
      seq: 7,
      envelopeKey: 'payroll:ts-1',
      ingestSubject: 'ingest.payroll.timesheet.approved',
      ingestSeq: 41,
      source: 'payroll',
      type: 'timesheet.approved',
      contractVersion: 2,
      reason: 'schema_violation',
      detail: '/hours must be >= 0',
      businessKey: 'TS-000001',
      correlationId: 'corr-9',
      tenant: 'acme',
      region: 'eu',
      receivedAt: 1795430000000,
      deadLetteredAt: Date.parse('2026-11-23T10:00:00.000Z'),
      state: 'open',
      autoRetryAttempt: 0,
    });
    expect(problemKey(deadLetter)).toBe('schema_violation|timesheet.approved|/lines/*/amount');
  });

  it('falls back to the subject for bytes that are not an envelope, keyed by ingest sequence', () => {
    const deadLetter = deadLetterFromStream(
      stored('{"not json', { 'Plumbline-Reason': 'malformed', 'Plumbline-Errors': 'garbage' }),
      key,
    );
    expect(deadLetter).toMatchObject({
      envelopeKey: 'stream:41',
      source: 'payroll',
      type: 'timesheet.approved',
      reason: 'malformed',
      errors: [],
      businessKey: '',
      tenant: '',
    });
  });

  it('carries the replay links and the automatic retry attempt of a replay that failed again', () => {
    const deadLetter = deadLetterFromStream(
      stored({ ...envelope, replayof: 'dlq:3', replayjob: automaticRetryJobId(2, 3) }),
      key,
    );
    expect(deadLetter).toMatchObject({
      replayOf: 'dlq:3',
      fromReplayJob: 'retry2-3',
      autoRetryAttempt: 2,
    });
  });
});

describe('automatic retry job ids', () => {
  it('round-trip the attempt and ignore every other id', () => {
    expect(automaticRetryAttempt(automaticRetryJobId(3, 99))).toBe(3);
    expect(automaticRetryAttempt('job-abc')).toBe(0);
    expect(automaticRetryAttempt('retry0-5')).toBe(0);
  });
});

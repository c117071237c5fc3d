import { describe, expect, it } from 'vitest';
import { deadLetterDetail, type StoredDeadLetter } from './dead-letter-detail';

const encode = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const stored = (body: unknown): StoredDeadLetter => ({
  seq: 42,
  subject: 'dlq.schema_violation.timesheet.approved',
  storedAt: '2026-11-23T10:00:00.000Z',
  headers: {
    'Plumbline-Reason': 'schema_violation',
    'Plumbline-Detail': '/data/hours: must be >= 0',
  },
  body: encode(body),
});
const envelope = {
  id: 'e1',
  source: 'payroll',
  type: 'timesheet.approved',
  tenant: 'acme',
  data: { timesheet_ref: 'TS-000001', hours: -5, national_id: 'NI-123', hourly_rate: 80 },
};
const sensitive = (type: string) =>
  type === 'timesheet.approved' ? new Set(['national_id', 'hourly_rate']) : undefined;

describe('deadLetterDetail', () => {
  it('masks every sensitive field and keeps the rest, with reason, detail and tenant', () => {
    const detail = deadLetterDetail(stored(envelope), sensitive, false);
    expect(detail).toMatchObject({
      seq: 42,
      reason: 'schema_violation',
      detail: '/data/hours: must be >= 0',
      type: 'timesheet.approved',
      source: 'payroll',
      tenant: 'acme',
      payload: { view: 'masked' },
    });
    const text = JSON.stringify(detail);
    expect(text).not.toContain('NI-123');
    expect(text).toContain('TS-000001');
  });

  it('shows the original bytes only when revealed', () => {
    const detail = deadLetterDetail(stored(envelope), sensitive, true);
    expect(detail.payload).toEqual({ view: 'original', text: JSON.stringify(envelope) });
  });

  it('hides a payload whose sensitive fields nobody can name', () => {
    const unknownType = deadLetterDetail(stored({ ...envelope, type: 'x.y' }), sensitive, false);
    expect(unknownType.payload).toMatchObject({ view: 'hidden' });
    const notJson = deadLetterDetail(stored('{"national_id":"NI-123"'), sensitive, false);
    expect(notJson).toMatchObject({
      tenant: undefined,
      type: undefined,
      payload: { view: 'hidden' },
    });
    expect(JSON.stringify(notJson.payload)).not.toContain('NI-123');
  });

  it('falls back to the subject for the reason when the header is missing', () => {
    const detail = deadLetterDetail({ ...stored(envelope), headers: {} }, sensitive, false);
    expect(detail.reason).toBe('schema_violation');
  });
});

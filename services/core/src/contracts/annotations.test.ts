import { describe, expect, it } from 'vitest';
import { extractProperties, maskSensitive, readAnnotations, redact } from './annotations';

const schema = {
  type: 'object',
  properties: {
    ref: { type: 'string', 'x-business-key': true },
    amount: { type: 'number', 'x-tracked': true },
    iban: { type: 'string', 'x-sensitive': true, 'x-tracked': true },
    national_id: { type: 'string', 'x-sensitive': true },
  },
};

describe('annotations', () => {
  it('reads the business key, tracked and sensitive properties', () => {
    const annotations = readAnnotations(schema);
    expect(annotations.businessKey).toBe('ref');
    expect(annotations.tracked).toEqual(['amount', 'iban']);
    expect([...annotations.sensitive]).toEqual(['iban', 'national_id']);
  });

  it('extracts tracked values with sensitive ones hashed, never in clear', () => {
    const extracted = extractProperties(readAnnotations(schema), {
      ref: 'CO-1',
      amount: 12.5,
      iban: 'DE89370400440532013000',
    });
    expect(extracted.trackedNum).toEqual({ amount: 12.5 });
    expect(extracted.trackedStr.iban).toBe(redact('DE89370400440532013000'));
    expect(JSON.stringify(extracted)).not.toContain('DE8937');
  });

  it('masks sensitive properties in a copy, leaving the original untouched', () => {
    const data = { ref: 'CO-1', iban: 'DE89370400440532013000', national_id: null };
    const masked = maskSensitive(readAnnotations(schema), data) as Record<string, unknown>;
    expect(masked).toEqual({
      ref: 'CO-1',
      iban: redact('DE89370400440532013000'),
      national_id: null,
    });
    expect(data.iban).toBe('DE89370400440532013000');
    expect(redact('same')).toBe(redact('same'));
    expect(redact('same')).not.toBe(redact('other'));
  });
});

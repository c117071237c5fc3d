import { describe, expect, it } from 'vitest';
import { contractUri, parseDataschema } from './dataschema';
import { fingerprintSchema } from './fingerprint';

describe('dataschema', () => {
  it('round-trips the canonical contract URI', () => {
    expect(parseDataschema(contractUri('invoice.posted', 3))).toEqual({
      type: 'invoice.posted',
      version: 3,
    });
  });

  it('accepts the URI without .json and rejects other shapes', () => {
    expect(parseDataschema('https://example.com/contracts/a.b/v2')).toEqual({
      type: 'a.b',
      version: 2,
    });
    expect(parseDataschema('https://example.com/contracts/a.b/latest')).toBeUndefined();
    expect(parseDataschema('https://example.com/contracts/a.b/v0.json')).toBeUndefined();
  });

  it('decodes a percent-encoded type, and names nothing when the encoding is broken', () => {
    expect(parseDataschema('https://example.com/contracts/a%2Eb/v1.json')?.type).toBe('a.b');
    expect(parseDataschema('https://example.com/contracts/%E0%A4%A/v1.json')).toBeUndefined();
    expect(parseDataschema('https://example.com/contracts/a%/v1.json')).toBeUndefined();
  });
});

describe('fingerprintSchema', () => {
  it('ignores key order and whitespace', () => {
    expect(fingerprintSchema({ type: 'object', required: ['a'] })).toBe(
      fingerprintSchema({ required: ['a'], type: 'object' }),
    );
    expect(fingerprintSchema({ type: 'object' })).not.toBe(fingerprintSchema({ type: 'array' }));
  });
});

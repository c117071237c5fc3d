import { describe, expect, it } from 'vitest';
import { checkPayloadSize, compilePayloadLimit } from './payload-size';
import type { PayloadPolicy } from './policy-set';

const policy: PayloadPolicy = {
  maxBytes: 262_144,
  overrides: [
    { type: 'document_revision.issued', maxBytes: 1_048_576 },
    { type: 'document_revision.*', maxBytes: 524_288 },
  ],
};

describe('payload size', () => {
  it('uses the first matching override, else the default', () => {
    const limit = compilePayloadLimit(policy);
    expect(limit('document_revision.issued')).toBe(1_048_576);
    expect(limit('document_revision.withdrawn')).toBe(524_288);
    expect(limit('invoice.posted')).toBe(262_144);
    expect(compilePayloadLimit({ maxBytes: 2048, overrides: [] })('invoice.posted')).toBe(2048);
  });

  it('accepts up to the limit and explains a breach', () => {
    expect(checkPayloadSize(policy, 'invoice.posted', 262_144)).toEqual({
      ok: true,
      maxBytes: 262_144,
    });
    expect(checkPayloadSize(policy, 'invoice.posted', 262_145)).toEqual({
      ok: false,
      maxBytes: 262_144,
      message: 'invoice.posted envelope is 262145 bytes; the limit for this type is 262144 bytes',
    });
    expect(checkPayloadSize(policy, 'document_revision.issued', 900_000).ok).toBe(true);
  });
});

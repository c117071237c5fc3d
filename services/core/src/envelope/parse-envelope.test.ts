import { describe, expect, it } from 'vitest';
import { createEnvelopeParser, syntaxErrorWithoutInput } from './parse-envelope';

describe('syntaxErrorWithoutInput', () => {
  it('drops the input V8 quotes in a JSON error, keeping where it failed', () => {
    const parse = createEnvelopeParser();
    const result = parse(new TextEncoder().encode('{"iban": "DE89370400440532013000",'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.detail).toMatch(/^not JSON: /);
    expect(result.detail).not.toContain('DE8937');
  });

  it('keeps messages that quote nothing, and caps their length', () => {
    expect(syntaxErrorWithoutInput(new SyntaxError('Unexpected end of JSON input'))).toBe(
      'Unexpected end of JSON input',
    );
    expect(syntaxErrorWithoutInput('x'.repeat(500))).toHaveLength(200);
  });
});

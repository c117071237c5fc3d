import { describe, expect, it } from 'vitest';
import { checkSchemaSafety } from './schema-safety';

const none = () => false;
const codes = (
  schema: Parameters<typeof checkSchemaSafety>[0],
  registered: (uri: string) => boolean = none,
) => checkSchemaSafety(schema, registered).map((problem) => `${problem.code} ${problem.pointer}`);

describe('schema safety', () => {
  it('accepts a plain contract', () => {
    expect(
      codes({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { ref: { type: 'string', pattern: '^CO-[0-9]{5}$' } },
      }),
    ).toEqual([]);
  });

  it('refuses remote $ref but allows local refs and registered contracts', () => {
    const schema = {
      type: 'object',
      $defs: { money: { type: 'number' } },
      properties: {
        a: { $ref: '#/$defs/money' },
        b: { $ref: 'https://schemas.plumbline.dev/contracts/money/v1.json' },
        c: { $ref: 'https://evil.example.com/schema.json' },
      },
    };
    expect(
      codes(schema, (uri) => uri === 'https://schemas.plumbline.dev/contracts/money/v1.json'),
    ).toEqual(['remote_ref /properties/c/$ref']);
  });

  it('refuses patterns prone to catastrophic backtracking, and invalid ones', () => {
    expect(codes({ type: 'string', pattern: '^(a+)+$' })).toEqual(['unsafe_pattern /pattern']);
    expect(
      codes({ type: 'object', patternProperties: { '^(\\w+\\s?)*$': { type: 'string' } } }),
    ).toEqual(['unsafe_pattern /patternProperties/^(\\w+\\s?)*$']);
    expect(codes({ type: 'string', pattern: '([a-z' })).toEqual(['invalid_pattern /pattern']);
  });

  it('refuses schemas over the size or depth limit, and unknown drafts', () => {
    const big = {
      type: 'object',
      properties: Object.fromEntries(
        Array.from({ length: 5_000 }, (_, i) => [
          `field_${i}`,
          { type: 'string', description: 'x'.repeat(60) },
        ]),
      ),
    };
    expect(codes(big)).toEqual(['schema_too_large ']);
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 40; i += 1) deep = { type: 'array', items: deep };
    expect(codes(deep)[0]).toMatch(/^schema_too_deep /);
    expect(codes({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'string' })).toEqual([
      'unsupported_draft /$schema',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonSchema } from './contract';
import { lintContract } from './contract-lint';

describe('contract lint', () => {
  it('passes a well-formed contract', () => {
    expect(
      lintContract({
        type: 'object',
        additionalProperties: false,
        properties: {
          ref: { type: 'string', description: 'Business id.', 'x-business-key': true },
          email: { type: 'string', description: 'Contact.', 'x-sensitive': true },
        },
      }),
    ).toEqual([]);
  });

  it('reports each rule with a pointer', () => {
    const findings = lintContract({
      type: 'object',
      properties: {
        ref: { type: 'string' },
        bank_account: { type: 'string', description: 'IBAN.' },
        lines: {
          type: 'array',
          items: {
            type: 'object',
            properties: { qty: { type: 'number', description: 'Quantity.' } },
          },
        },
      },
    });
    expect(findings.map((finding) => `${finding.rule} ${finding.pointer}`).sort()).toEqual([
      'additional-properties-explicit ',
      'additional-properties-explicit /properties/lines/items',
      'business-key /properties',
      'descriptions /properties/lines',
      'descriptions /properties/ref',
      'sensitive-marked /properties/bank_account',
    ]);
  });

  it('every canonical contract in the repository passes every rule', () => {
    const dir = join(import.meta.dirname, '../../../../schemas/contracts');
    for (const type of readdirSync(dir)) {
      for (const file of readdirSync(join(dir, type)).filter((name) => /^v\d+\.json$/.test(name))) {
        const findings = lintContract(
          JSON.parse(readFileSync(join(dir, type, file), 'utf8')) as JsonSchema,
        );
        expect(findings, `${type}/${file}`).toEqual([]);
      }
    }
  });
});

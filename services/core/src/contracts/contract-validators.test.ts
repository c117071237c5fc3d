import { describe, expect, it } from 'vitest';
import type { ContractVersion, JsonSchema } from './contract';
import { ContractValidators } from './contract-validators';
import { fingerprintSchema } from './fingerprint';

const moneyUri = 'https://schemas.plumbline.dev/contracts/money.amount/v1.json';
const money: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: moneyUri,
  type: 'object',
  additionalProperties: false,
  required: ['value', 'currency'],
  properties: { value: { type: 'number' }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } },
};
const invoice: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: { total: { $ref: moneyUri }, due: { type: 'string', format: 'date' } },
};
const version = (schema: JsonSchema): ContractVersion => ({
  type: 'invoice.posted',
  version: 1,
  schema,
  fingerprint: fingerprintSchema(schema),
  state: 'active',
  registeredAt: '',
});

describe('ContractValidators', () => {
  it('validates through a $ref to another registered contract', () => {
    const validators = new ContractValidators((uri) => (uri === moneyUri ? money : undefined));
    const compiled = validators.compile(version(invoice));
    expect(compiled.validate({ total: { value: 10, currency: 'USD' } })).toEqual([]);
    expect(
      compiled.validate({ total: { value: 10, currency: 'usd' } }).map((error) => error.pointer),
    ).toEqual(['/total/currency']);
    expect(validators.check(invoice)).toBeUndefined();
  });

  it('refuses a reference it cannot resolve instead of fetching it', () => {
    expect(new ContractValidators().check(invoice)).toMatch(/can't resolve reference/);
  });

  it('compiles once per version and fingerprint, and reports every error of a failing message', () => {
    const validators = new ContractValidators((uri) => (uri === moneyUri ? money : undefined));
    validators.compile(version(invoice));
    validators.compile(version(invoice));
    expect(validators.size).toBe(1);
    const errors = validators
      .compile(version(invoice))
      .validate({ total: { value: 'ten' }, due: 'someday' });
    expect(errors.map((error) => error.pointer).sort()).toEqual([
      '/due',
      '/total/currency',
      '/total/value',
    ]);
  });
});

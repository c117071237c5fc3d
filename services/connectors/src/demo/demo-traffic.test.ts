import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import envelopeSchema from '@plumbline/schemas/envelope.json' with { type: 'json' };
import { createDemoTraffic, type DemoIntent, type DemoMessage } from './demo-traffic';

const contractsDir = join(import.meta.dirname, '../../../../schemas/contracts');

function contractValidators(): Map<string, ValidateFunction> {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  for (const keyword of ['x-business-key', 'x-tracked', 'x-sensitive'])
    ajv.addKeyword({ keyword, schemaType: 'boolean' });
  const validators = new Map<string, ValidateFunction>();
  for (const type of readdirSync(contractsDir)) {
    for (const file of readdirSync(join(contractsDir, type)).filter((name) =>
      /^v\d+\.json$/.test(name),
    )) {
      const schema = JSON.parse(readFileSync(join(contractsDir, type, file), 'utf8')) as {
        $id: string;
      };
      validators.set(schema.$id, ajv.compile(schema));
    }
  }
  return validators;
}

const take = (count: number, seed = 1) => {
  const traffic = createDemoTraffic({ seed, now: () => new Date('2026-03-02T08:00:00Z') });
  return Array.from({ length: count }, () => traffic.next());
};
const parse = (message: DemoMessage) =>
  JSON.parse(new TextDecoder().decode(message.body)) as Record<string, unknown>;

describe('demo traffic', () => {
  it('is deterministic for a seed', () => {
    const decode = (messages: DemoMessage[]) =>
      messages.map((m) => new TextDecoder().decode(m.body));
    expect(decode(take(500, 3))).toEqual(decode(take(500, 3)));
    expect(decode(take(50, 3))).not.toEqual(decode(take(50, 4)));
  });

  it('has the requested share of bad messages, of every kind', () => {
    const messages = take(20_000);
    const bad = messages.filter((m) => m.intended !== 'valid').length / messages.length;
    expect(bad).toBeGreaterThan(0.08);
    expect(bad).toBeLessThan(0.12);
    const kinds = new Set<DemoIntent>(messages.map((m) => m.intended));
    expect([...kinds].sort()).toEqual([
      'malformed',
      'ownership_violation',
      'schema_violation',
      'too_large',
      'unknown_contract',
      'valid',
    ]);
  });

  it('every valid message is a valid envelope whose data follows its contract', () => {
    const validators = contractValidators();
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
    addFormats(ajv);
    const validEnvelope = ajv.compile(envelopeSchema);
    const types = new Set<string>();
    for (const message of take(5_000).filter((m) => m.intended === 'valid')) {
      const envelope = parse(message);
      expect(validEnvelope(envelope), JSON.stringify(validEnvelope.errors)).toBe(true);
      const validate = validators.get(String(envelope.dataschema));
      expect(validate, String(envelope.dataschema)).toBeDefined();
      expect(
        validate?.(envelope.data),
        `${String(envelope.type)}: ${JSON.stringify(validate?.errors)}`,
      ).toBe(true);
      expect(message.subject).toBe(`ingest.${String(envelope.source)}.${String(envelope.type)}`);
      types.add(String(envelope.type));
    }
    expect(types.size).toBe(20);
  });

  it('schema violations really violate their contract', () => {
    const validators = contractValidators();
    for (const message of take(5_000).filter((m) => m.intended === 'schema_violation')) {
      const envelope = parse(message);
      expect(validators.get(String(envelope.dataschema))?.(envelope.data)).toBe(false);
    }
  });

  it('flows correlate: a change order is followed by its commitment and billing adjustment', () => {
    const envelopes = take(5_000)
      .filter((m) => m.intended === 'valid')
      .map(parse);
    const byCorrelation = new Map<string, string[]>();
    for (const envelope of envelopes) {
      const list = byCorrelation.get(String(envelope.correlationid)) ?? [];
      list.push(String(envelope.type));
      byCorrelation.set(String(envelope.correlationid), list);
    }
    const complete = [...byCorrelation.values()].filter(
      (types) =>
        types.join(' > ') ===
        'change_order.submitted > change_order.approved > commitment.updated > billing.adjusted',
    );
    expect(complete.length).toBeGreaterThan(10);
  });
});

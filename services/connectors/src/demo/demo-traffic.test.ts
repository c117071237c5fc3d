import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileOwnership, compilePayloadLimit, loadPolicySet } from '@plumbline/core';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import envelopeSchema from '@plumbline/schemas/envelope.json' with { type: 'json' };
import { createDemoTraffic, type DemoIntent, type DemoMessage } from './demo-traffic';

const contractsDir = join(import.meta.dirname, '../../../../schemas/contracts');
const policiesDir = join(import.meta.dirname, '../../../../policies');
const uri = (type: string, version: number) =>
  `https://schemas.plumbline.dev/contracts/${type}/v${version}.json`;

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

  it('every flow correlates its steps, and some flows are left unfinished', () => {
    const envelopes = take(10_000)
      .filter((m) => m.intended === 'valid')
      .map(parse);
    const byCorrelation = new Map<string, Record<string, unknown>[]>();
    for (const envelope of envelopes) {
      const list = byCorrelation.get(String(envelope.correlationid)) ?? [];
      list.push(envelope);
      byCorrelation.set(String(envelope.correlationid), list);
    }
    const chains: readonly (readonly [first: string, later: string, reference: string])[] = [
      ['change_order.approved', 'commitment.updated', 'change_order_ref'],
      ['change_order.approved', 'billing.adjusted', 'change_order_ref'],
      ['purchase_order.approved', 'goods_receipt.recorded', 'purchase_order_ref'],
      ['purchase_order.approved', 'vendor_bill.posted', 'purchase_order_ref'],
      ['opportunity.won', 'project.upserted', 'opportunity_ref'],
      ['opportunity.won', 'staffing.approved', 'opportunity_ref'],
      ['timesheet.approved', 'invoice.posted', 'project_ref'],
      ['document_revision.issued', 'procurement_review.completed', 'document_revision_ref'],
    ];
    for (const [first, later, reference] of chains) {
      let followed = 0;
      let unfinished = 0;
      for (const flow of byCorrelation.values()) {
        const start = flow.findIndex((envelope) => envelope.type === first);
        if (start < 0) continue;
        const step = flow.findIndex((envelope) => envelope.type === later);
        if (step < 0) {
          unfinished += 1;
          continue;
        }
        expect(step, `${later} comes after ${first}`).toBeGreaterThan(start);
        const data = (index: number) => flow[index]?.data as Record<string, unknown>;
        // The later step names the first step's record (a document revision calls its own key
        // `revision_ref`; everything else uses the same name on both sides).
        const key = reference === 'document_revision_ref' ? 'revision_ref' : reference;
        expect(data(step)[reference], `${later}.${reference}`).toEqual(data(start)[key]);
        followed += 1;
      }
      expect(followed, `${first} → ${later}`).toBeGreaterThan(5);
      expect(unfinished, `${first} → ${later} sometimes never happens`).toBeGreaterThan(0);
    }
    // Invoices for time and materials name the timesheets they bill.
    for (const flow of byCorrelation.values()) {
      const invoice = flow.find((envelope) => envelope.type === 'invoice.posted');
      const sheets = flow.filter((envelope) => envelope.type === 'timesheet.approved');
      if (invoice === undefined || sheets.length === 0) continue;
      const data = invoice.data as { timesheet_refs?: unknown[] };
      // (A sheet that was sent broken is billed all the same.)
      expect(data.timesheet_refs).toEqual(
        expect.arrayContaining(
          sheets.map((sheet) => (sheet.data as { timesheet_ref: unknown }).timesheet_ref),
        ),
      );
    }
  });

  it('bad messages break the rule they are named after', () => {
    const files = readdirSync(policiesDir)
      .filter((name) => name.endsWith('.yaml'))
      .map((name) => ({ name, text: readFileSync(join(policiesDir, name), 'utf8') }));
    const loaded = loadPolicySet(files);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const owner = compileOwnership(loaded.value.ownership);
    const maxBytes = compilePayloadLimit(loaded.value.payload);
    const registered = new Set(contractValidators().keys());
    const typeOf = (message: DemoMessage) => message.subject.split('.').slice(2).join('.');
    const seen = new Set<string>();

    for (const message of take(20_000, 5)) {
      const type = typeOf(message);
      switch (message.intended) {
        case 'valid':
          expect(message.body.byteLength).toBeLessThanOrEqual(maxBytes(type));
          expect(owner(String(parse(message).source), type).ok, message.subject).toBe(true);
          break;
        case 'too_large':
          expect(message.body.byteLength).toBeGreaterThan(maxBytes(type));
          break;
        case 'malformed':
          expect(() => parse(message)).toThrow(SyntaxError);
          break;
        case 'ownership_violation': {
          const envelope = parse(message);
          expect(message.subject).toBe(`ingest.${String(envelope.source)}.${type}`);
          expect(registered.has(String(envelope.dataschema))).toBe(true);
          expect(owner(String(envelope.source), type).ok, message.subject).toBe(false);
          break;
        }
        case 'unknown_contract': {
          const envelope = parse(message);
          expect(registered.has(String(envelope.dataschema)), String(envelope.dataschema)).toBe(
            false,
          );
          seen.add(registered.has(uri(type, 1)) ? 'unknown version' : 'unknown type');
          break;
        }
        case 'schema_violation':
          break;
      }
    }
    expect([...seen].sort()).toEqual(['unknown type', 'unknown version']);
  });
});

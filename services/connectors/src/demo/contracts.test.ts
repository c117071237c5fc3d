import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileOwnership, loadPolicySet } from '@plumbline/core';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';

// The canonical contracts in `schemas/contracts/` are data the demo traffic (and every connector)
// relies on: this checks each one is a strict draft 2020-12 schema that follows the house rules.

const repoRoot = join(import.meta.dirname, '../../../..');
const contractsDir = join(repoRoot, 'schemas/contracts');
const policiesDir = join(repoRoot, 'policies');
const annotationKeywords = ['x-business-key', 'x-tracked', 'x-sensitive'] as const;

type Json = Record<string, unknown>;
interface ContractFile {
  readonly type: string;
  readonly version: number;
  readonly path: string;
  readonly schema: Json;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Json;
const types = readdirSync(contractsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const contracts: ContractFile[] = types.flatMap((type) =>
  readdirSync(join(contractsDir, type))
    .filter((name) => /^v\d+\.json$/.test(name))
    .map((name) => ({
      type,
      version: Number(name.slice(1, -'.json'.length)),
      path: `${type}/${name}`,
      schema: readJson(join(contractsDir, type, name)),
    }))
    .sort((a, b) => a.version - b.version),
);
const properties = (schema: Json) => (schema.properties ?? {}) as Record<string, Json>;
const required = (schema: Json) => (schema.required ?? []) as string[];

function strictAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  for (const keyword of annotationKeywords) ajv.addKeyword({ keyword, schemaType: 'boolean' });
  return ajv;
}

/** Walks every subschema below the top-level properties (nested objects, array items, …). */
function* nestedSchemas(value: unknown): Generator<Json> {
  if (Array.isArray(value)) {
    for (const item of value) yield* nestedSchemas(item);
  } else if (typeof value === 'object' && value !== null) {
    yield value as Json;
    for (const child of Object.values(value)) yield* nestedSchemas(child);
  }
}

const ownersFile = () => {
  const files = readdirSync(policiesDir)
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => ({ name, text: readFileSync(join(policiesDir, name), 'utf8') }));
  const loaded = loadPolicySet(files);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return compileOwnership(loaded.value.ownership);
};

describe('canonical contracts', () => {
  it('cover the twenty event types, three of them with a second version', () => {
    expect(types).toHaveLength(20);
    expect(contracts.filter((contract) => contract.version > 1).map((c) => c.path)).toEqual([
      'change_order.approved/v2.json',
      'invoice.posted/v2.json',
      'timesheet.approved/v2.json',
    ]);
    for (const type of types) {
      const versions = contracts.filter((c) => c.type === type).map((c) => c.version);
      expect(versions, `${type}: versions are 1..n without gaps`).toEqual(
        versions.map((_, index) => index + 1),
      );
    }
  });

  it.each(contracts.map((c) => [c.path, c] as const))(
    '%s compiles under ajv strict mode',
    (_, c) => {
      expect(() => strictAjv().compile(c.schema)).not.toThrow();
    },
  );

  it.each(contracts.map((c) => [c.path, c] as const))('%s follows the house rules', (_, c) => {
    const { schema } = c;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe(`https://schemas.plumbline.dev/contracts/${c.type}/v${c.version}.json`);
    expect(schema.title).toEqual(expect.any(String));
    expect(schema.description).toEqual(expect.any(String));
    expect(schema.type).toBe('object');
    expect(schema).toHaveProperty('additionalProperties');

    const props = properties(schema);
    for (const name of required(schema)) expect(props, `required ${name}`).toHaveProperty(name);
    for (const [name, property] of Object.entries(props)) {
      expect(property.description, `${name} has a description`).toEqual(expect.any(String));
      for (const keyword of annotationKeywords) {
        if (keyword in property) expect(property[keyword], `${name} ${keyword}`).toBe(true);
      }
      if (property['x-tracked'] === true) {
        // Tracked values are copied into lineage columns: scalars only.
        expect(
          ['string', 'number', 'integer', 'boolean', undefined],
          `${name} is scalar`,
        ).toContain(property.type);
      }
      for (const nested of nestedSchemas(Object.values(property))) {
        for (const keyword of annotationKeywords) {
          expect(nested, `${name}: ${keyword} only on top-level properties`).not.toHaveProperty(
            keyword,
          );
        }
      }
    }

    const keys = Object.entries(props).filter(([, property]) => property['x-business-key']);
    expect(keys, 'exactly one business key').toHaveLength(1);
    const [businessKey] = keys[0] ?? [];
    expect(required(schema), 'the business key is required').toContain(businessKey);
  });

  it.each(types)('%s/subject.json describes its contract', (type) => {
    const subject = readJson(join(contractsDir, type, 'subject.json'));
    expect(Object.keys(subject).sort()).toEqual(
      [
        'compatibility',
        'contact',
        'description',
        'domain',
        'ownerTeam',
        'systemOfRecord',
        'tags',
        'type',
      ].sort(),
    );
    expect(subject.type).toBe(type);
    expect(subject.compatibility).toBe('BACKWARD');
    expect(subject.contact).toMatch(/^[^@\s]+@[^@\s]+$/);
    expect(subject.tags).toEqual(expect.arrayContaining([expect.any(String)]));
    expect([
      'costs',
      'documents',
      'field',
      'finance',
      'people',
      'procurement',
      'projects',
      'sales',
    ]).toContain(subject.domain);
    const owner = ownersFile();
    expect(owner(String(subject.systemOfRecord), type), 'matches policies/ownership.yaml').toEqual({
      ok: true,
    });
  });

  it('project-scoped contracts track project_ref; flow steps carry their correlating reference', () => {
    const unscoped = new Set(['opportunity.won', 'vendor.upserted', 'cost_code.upserted']);
    const correlating: Record<string, string> = {
      'commitment.updated': 'change_order_ref',
      'billing.adjusted': 'change_order_ref',
      'goods_receipt.recorded': 'purchase_order_ref',
      'vendor_bill.posted': 'purchase_order_ref',
      'project.upserted': 'opportunity_ref',
      'staffing.approved': 'opportunity_ref',
      'procurement_review.completed': 'document_revision_ref',
    };
    for (const c of contracts) {
      const props = properties(c.schema);
      if (!unscoped.has(c.type)) {
        // In lineage either way: as a tracked property, or as project.upserted's business key.
        const projectRef = props.project_ref ?? {};
        expect(
          projectRef['x-tracked'] === true || projectRef['x-business-key'] === true,
          `${c.path} tracks project_ref`,
        ).toBe(true);
      }
      const reference = correlating[c.type];
      if (reference !== undefined) expect(props, c.path).toHaveProperty(reference);
    }
    const invoice = contracts.filter((c) => c.type === 'invoice.posted');
    for (const c of invoice) expect(properties(c.schema)).toHaveProperty('timesheet_refs');
  });

  it('personal and banking data is marked sensitive', () => {
    const sensitive = (type: string) =>
      Object.entries(properties(contracts.find((c) => c.type === type)?.schema ?? {}))
        .filter(([, property]) => property['x-sensitive'] === true)
        .map(([name]) => name);
    expect(sensitive('timesheet.approved')).toEqual(
      expect.arrayContaining(['hourly_rate', 'national_id']),
    );
    expect(sensitive('vendor.upserted')).toContain('bank_account');
    for (const c of contracts) {
      for (const [name, property] of Object.entries(properties(c.schema))) {
        if (property['x-sensitive'] === true) {
          expect(
            property['x-tracked'],
            `${c.path}: ${name} is sensitive, not a KPI`,
          ).toBeUndefined();
        }
      }
    }
  });

  it('every later version is a backward-compatible evolution of the one before', () => {
    // Sufficient structural check: nothing newly required, every existing property unchanged,
    // and a closed object stays as open as it was.
    for (const c of contracts.filter((contract) => contract.version > 1)) {
      const previous = contracts.find((p) => p.type === c.type && p.version === c.version - 1);
      expect(previous, c.path).toBeDefined();
      if (previous === undefined) continue;
      for (const name of required(c.schema)) {
        expect(required(previous.schema), `${c.path}: ${name} newly required`).toContain(name);
      }
      for (const [name, property] of Object.entries(properties(previous.schema))) {
        expect(properties(c.schema)[name], `${c.path}: ${name} changed`).toEqual(property);
      }
      expect(c.schema.additionalProperties).toEqual(previous.schema.additionalProperties);
    }
  });
});

/**
 * Agreement with Confluent Schema Registry on its own JSON Schema test cases
 * (../shared/conformance/json-schema-compatibility.json, beside the repository).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../contracts/contract';
import { diffSchemas } from './diff-schemas';

interface ConformanceCase {
  readonly description: string;
  readonly original_schema: JsonSchema;
  readonly update_schema: JsonSchema;
  readonly compatible: boolean;
  readonly compatible_lenient?: boolean;
  readonly changes: readonly string[];
}

function sharedCases(): ConformanceCase[] {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'turbo.json'))) dir = dirname(dir);
  const file = join(dir, '..', 'shared', 'conformance', 'json-schema-compatibility.json');
  return JSON.parse(readFileSync(file, 'utf8')) as ConformanceCase[];
}

const cases = sharedCases().map((testCase, index) => ({ ...testCase, index }));

describe('Confluent conformance (BACKWARD, strict)', () => {
  it('has all 104 cases', () => expect(cases).toHaveLength(104));

  it.each(cases)('#$index $description → compatible: $compatible', (testCase) => {
    const result = diffSchemas(testCase.original_schema, testCase.update_schema);
    const summary = result.changes.map((change) => `${change.kind} ${change.pointer}`);
    expect(result.compatible, JSON.stringify({ expected: testCase.changes, got: summary })).toBe(
      testCase.compatible,
    );
  });
});

describe('Confluent conformance (lenient)', () => {
  const lenientCases = cases.filter((testCase) => testCase.compatible_lenient !== undefined);
  it.each(lenientCases)(
    '#$index $description → lenient compatible: $compatible_lenient',
    (testCase) => {
      expect(
        diffSchemas(testCase.original_schema, testCase.update_schema, { lenient: true }).compatible,
      ).toBe(testCase.compatible_lenient);
    },
  );
});

describe('every incompatible change is explained', () => {
  it('with a JSON pointer and a sentence', () => {
    for (const testCase of cases.filter((c) => !c.compatible)) {
      const broken = diffSchemas(testCase.original_schema, testCase.update_schema).changes.filter(
        (change) => !change.compatible,
      );
      expect(broken.length, testCase.description).toBeGreaterThan(0);
      for (const change of broken) {
        expect(change.pointer).toMatch(/^#\//);
        expect(change.message.length).toBeGreaterThan(10);
      }
    }
  });
});

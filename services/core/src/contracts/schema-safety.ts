import safeRegex from 'safe-regex2';
import canonicalize from 'canonicalize';
import type { JsonSchema } from './contract';

/** Why a schema is refused before anything else is looked at. Stable codes. */
export const SafetyCode = {
  RemoteRef: 'remote_ref',
  TooLarge: 'schema_too_large',
  TooDeep: 'schema_too_deep',
  UnsafePattern: 'unsafe_pattern',
  InvalidPattern: 'invalid_pattern',
  UnsupportedDraft: 'unsupported_draft',
} as const;
export type SafetyCode = (typeof SafetyCode)[keyof typeof SafetyCode];

export interface SafetyProblem {
  readonly code: SafetyCode;
  /** JSON pointer into the schema. */
  readonly pointer: string;
  readonly message: string;
}

export interface SafetyLimits {
  readonly maxBytes: number;
  readonly maxDepth: number;
}

export const defaultSafetyLimits: SafetyLimits = { maxBytes: 256 * 1024, maxDepth: 32 };

const drafts = new Set([
  'https://json-schema.org/draft/2020-12/schema',
  'http://json-schema.org/draft-07/schema#',
  'http://json-schema.org/draft-07/schema',
]);

/**
 * Refuses what must never reach a validator: `$ref`s to anything but the schema itself or a
 * registered contract (no fetching from the network), oversized or over-deep schemas, and
 * `pattern`s prone to catastrophic backtracking (checked with safe-regex2's star-height test).
 */
export function checkSchemaSafety(
  schema: JsonSchema,
  isRegisteredContract: (uri: string) => boolean,
  limits: SafetyLimits = defaultSafetyLimits,
): SafetyProblem[] {
  const problems: SafetyProblem[] = [];
  const size = Buffer.byteLength(canonicalize(schema) ?? '');
  if (size > limits.maxBytes) {
    problems.push({
      code: SafetyCode.TooLarge,
      pointer: '',
      message: `the schema is ${size} bytes; the limit is ${limits.maxBytes}`,
    });
    return problems;
  }
  const draft = typeof schema === 'object' ? schema.$schema : undefined;
  if (draft !== undefined && (typeof draft !== 'string' || !drafts.has(draft))) {
    problems.push({
      code: SafetyCode.UnsupportedDraft,
      pointer: '/$schema',
      message: `$schema must be draft 2020-12 or draft-07, not ${JSON.stringify(draft)}`,
    });
  }
  const visit = (node: unknown, pointer: string, depth: number) => {
    if (depth > limits.maxDepth) {
      problems.push({
        code: SafetyCode.TooDeep,
        pointer,
        message: `nested deeper than ${limits.maxDepth} levels`,
      });
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, `${pointer}/${index}`, depth + 1));
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      const at = `${pointer}/${escape(key)}`;
      if (key === '$ref' && typeof value === 'string' && !value.startsWith('#')) {
        const target = value.split('#')[0] ?? value;
        if (!isRegisteredContract(target)) {
          problems.push({
            code: SafetyCode.RemoteRef,
            pointer: at,
            message: `$ref '${value}' points outside the schema and is not a registered contract; remote references are never fetched`,
          });
        }
      }
      if (key === 'pattern' && typeof value === 'string') checkPattern(value, at, problems);
      if (key === 'patternProperties' && value !== null && typeof value === 'object') {
        for (const pattern of Object.keys(value))
          checkPattern(pattern, `${at}/${escape(pattern)}`, problems);
      }
      visit(value, at, depth + 1);
    }
  };
  visit(schema, '', 0);
  return problems;
}

function checkPattern(pattern: string, pointer: string, problems: SafetyProblem[]): void {
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    problems.push({
      code: SafetyCode.InvalidPattern,
      pointer,
      message: `not a valid regular expression: ${String(error)}`,
    });
    return;
  }
  if (!safeRegex(pattern)) {
    problems.push({
      code: SafetyCode.UnsafePattern,
      pointer,
      message: `pattern '${pattern}' is prone to catastrophic backtracking (nested quantifiers); rewrite it without a repeated group that repeats`,
    });
  }
}

function escape(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

import type { CompatibilityMode, JsonSchema } from '../contracts/contract';
import {
  diffSchemas,
  type CompatibilityOptions,
  type CompatibilityResult,
  type SchemaChange,
} from './diff-schemas';

/**
 * Checks a candidate against the registered history (oldest first) under a mode, as Confluent
 * Schema Registry does: BACKWARD / FORWARD / FULL compare with the latest version only, their
 * _TRANSITIVE forms with every version; FORWARD swaps the pair; FULL checks both directions; NONE
 * accepts anything. Each change says which version (1-based position in `history`) it was found
 * against.
 */
export function checkCompatibility(
  history: readonly JsonSchema[],
  candidate: JsonSchema,
  mode: CompatibilityMode,
  options: CompatibilityOptions = {},
): CompatibilityResult {
  if (mode === 'NONE' || history.length === 0) return { compatible: true, changes: [] };
  const transitive = mode.endsWith('_TRANSITIVE');
  const direction = mode.replace('_TRANSITIVE', '');
  const against = transitive
    ? history.map((schema, index) => ({ schema, version: index + 1 }))
    : [{ schema: history.at(-1)!, version: history.length }];
  const changes: SchemaChange[] = [];
  for (const { schema, version } of against) {
    if (direction === 'BACKWARD' || direction === 'FULL') {
      changes.push(
        ...diffSchemas(schema, candidate, options).changes.map((change) => ({
          ...change,
          againstVersion: version,
        })),
      );
    }
    if (direction === 'FORWARD' || direction === 'FULL') {
      // FORWARD: readers of the old version must read data written with the new one.
      changes.push(
        ...diffSchemas(candidate, schema, options).changes.map((change) => ({
          ...change,
          againstVersion: version,
        })),
      );
    }
  }
  return { compatible: changes.every((change) => change.compatible), changes };
}

import { checkCompatibility, type CompatibilityResult } from '../compatibility/index';
import {
  LifecycleState,
  type CompatibilityMode,
  type ContractVersion,
  type JsonSchema,
} from './contract';
import { lintContract, type LintFinding } from './contract-lint';
import type { ContractRegistry } from './contract-registry';
import type { ContractValidators } from './contract-validators';
import { contractUri } from './dataschema';
import { fingerprintSchema } from './fingerprint';
import { checkSchemaSafety, type SafetyProblem } from './schema-safety';

export type RegistrationPlan =
  /** The same schema (by canonical fingerprint) is already registered: registering is a no-op. */
  | {
      readonly kind: 'existing';
      readonly version: ContractVersion;
      readonly lint: readonly LintFinding[];
    }
  | {
      readonly kind: 'new';
      readonly version: number;
      /** The schema with its canonical `$id` set. */
      readonly schema: JsonSchema;
      readonly fingerprint: string;
      readonly mode: CompatibilityMode;
      readonly compatibility: CompatibilityResult;
      readonly lint: readonly LintFinding[];
    }
  | {
      readonly kind: 'refused';
      readonly code:
        'invalid_contract' | 'unsafe_contract' | 'incompatible_contract' | 'lint_failed';
      readonly message: string;
      readonly problems: readonly (
        SafetyProblem | LintFinding | { readonly pointer: string; readonly message: string }
      )[];
      readonly compatibility?: CompatibilityResult;
      readonly mode?: CompatibilityMode;
    };

/**
 * Decides what registering `schema` under `type` would do, without doing it: the same checks
 * run for a registration and for "test compatibility". Order: safety (remote refs, size, depth,
 * dangerous patterns) → valid JSON Schema under ajv strict → identical to an existing version →
 * mandatory lint rules → compatibility with the registered history under the subject's mode.
 */
export function planRegistration(
  registry: ContractRegistry,
  validators: ContractValidators,
  type: string,
  candidate: JsonSchema,
): RegistrationPlan {
  const safety = checkSchemaSafety(candidate, (uri) => registry.byUri(uri) !== undefined);
  if (safety.length > 0) {
    return {
      kind: 'refused',
      code: 'unsafe_contract',
      message: `the schema for ${type} is refused: ${safety[0]?.message ?? ''}`,
      problems: safety,
    };
  }
  const history = registry.versions(type);
  const version = (history.at(-1)?.version ?? 0) + 1;
  const schema: JsonSchema =
    typeof candidate === 'object' ? { ...candidate, $id: contractUri(type, version) } : candidate;
  const invalid = validators.check(schema);
  if (invalid !== undefined) {
    return {
      kind: 'refused',
      code: 'invalid_contract',
      message: `not a valid JSON Schema: ${invalid}`,
      problems: [{ pointer: '', message: invalid }],
    };
  }
  const lint = lintContract(schema);
  // Identity ignores $id: the same schema sent again is the same contract, whatever id it carried.
  const identity = (value: JsonSchema) =>
    fingerprintSchema(typeof value === 'object' ? { ...value, $id: undefined } : value);
  const candidateIdentity = identity(schema);
  const existing = history.find((registered) => identity(registered.schema) === candidateIdentity);
  if (existing !== undefined) return { kind: 'existing', version: existing, lint };

  const required = new Set(registry.config.lintRequired);
  const blocking = lint.filter((finding) => required.has(finding.rule));
  if (blocking.length > 0) {
    return {
      kind: 'refused',
      code: 'lint_failed',
      message: `${blocking.length} mandatory lint rule(s) fail: ${blocking.map((finding) => finding.message).join('; ')}`,
      problems: blocking,
    };
  }
  const subject = registry.subject(type);
  const mode = subject?.compatibility ?? registry.config.compatibility;
  const compared = history
    .filter((registered) => registered.state !== LifecycleState.Draft)
    .map((registered) => registered.schema);
  const compatibility = checkCompatibility(compared, schema, mode, {
    lenient: subject?.lenient === true,
    resolveExternalRef: (uri) => registry.byUri(uri)?.schema,
  });
  if (!compatibility.compatible) {
    const broken = compatibility.changes.filter((change) => !change.compatible);
    return {
      kind: 'refused',
      code: 'incompatible_contract',
      message: `${type} v${version} breaks ${mode} compatibility: ${broken.length} incompatible change(s)`,
      problems: broken,
      compatibility,
      mode,
    };
  }
  return {
    kind: 'new',
    version,
    schema,
    fingerprint: fingerprintSchema(schema),
    mode,
    compatibility,
    lint,
  };
}

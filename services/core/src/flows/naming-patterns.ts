import { defaultPolicySet } from '../policies/load-policy-set';
import type { NamingPolicy } from '../policies/policy-set';

/**
 * The naming policy's patterns, compiled for checking the types and sources a flow or KPI file
 * names. A pattern that does not compile is `undefined` (nothing is checked against it):
 * `loadPolicySet` reports it against naming.yaml.
 */
export function compileNamingPatterns(naming: NamingPolicy = defaultPolicySet.naming): {
  readonly type: RegExp | undefined;
  readonly source: RegExp | undefined;
} {
  return { type: compile(naming.typePattern), source: compile(naming.sourcePattern) };
}

function compile(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern);
  } catch {
    return undefined;
  }
}

/** A key as one JSON pointer segment (`/` and `~` escaped), to point at it in a policy file. */
export function pointerSegment(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

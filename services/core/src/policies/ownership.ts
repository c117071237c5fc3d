import type { OwnershipPolicy } from './policy-set';
import {
  compileTypePattern,
  isExactType,
  patternSpecificity,
  type TypeMatcher,
} from './type-pattern';

export type OwnershipVerdict =
  { readonly ok: true } | { readonly ok: false; readonly message: string; readonly owner?: string };

export type OwnershipChecker = (source: string, type: string) => OwnershipVerdict;

const maxCachedTypes = 10_000;

/**
 * Precompiles the ownership policy into a checker: only the system of record may publish a type.
 * Exact types are a map lookup; patterns are tried most specific first (see `patternSpecificity`)
 * and the answer is cached per type, so the per-message cost is one or two map lookups.
 */
export function compileOwnership(policy: OwnershipPolicy): OwnershipChecker {
  const exact = new Map<string, string>();
  const patterns: { owner: string; matches: TypeMatcher; specificity: number }[] = [];
  for (const system of policy.systems) {
    for (const pattern of system.owns) {
      if (isExactType(pattern)) {
        if (!exact.has(pattern)) exact.set(pattern, system.source);
      } else {
        patterns.push({
          owner: system.source,
          matches: compileTypePattern(pattern),
          specificity: patternSpecificity(pattern),
        });
      }
    }
  }
  patterns.sort((a, b) => b.specificity - a.specificity);
  const cache = new Map<string, string | null>();
  const ownerOf = (type: string): string | null => {
    const direct = exact.get(type);
    if (direct !== undefined) return direct;
    let owner = cache.get(type);
    if (owner === undefined) {
      owner = patterns.find((rule) => rule.matches(type))?.owner ?? null;
      if (cache.size >= maxCachedTypes) cache.clear();
      cache.set(type, owner);
    }
    return owner;
  };
  return (source, type) => {
    const owner = ownerOf(type);
    if (owner === null) {
      return policy.unowned === 'allow'
        ? { ok: true }
        : {
            ok: false,
            message: `no system of record is declared for ${type}; add it to policies/ownership.yaml`,
          };
    }
    if (owner === source) return { ok: true };
    return {
      ok: false,
      owner,
      message: `${type} is owned by ${owner}; ${source} may not publish it`,
    };
  };
}

const compiled = new WeakMap<OwnershipPolicy, OwnershipChecker>();

/** One-off check; compiles the policy on first use and reuses it for the same policy object. */
export function checkOwnership(
  policy: OwnershipPolicy,
  source: string,
  type: string,
): OwnershipVerdict {
  let checker = compiled.get(policy);
  if (checker === undefined) {
    checker = compileOwnership(policy);
    compiled.set(policy, checker);
  }
  return checker(source, type);
}

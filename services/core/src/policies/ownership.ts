import type { OwnershipPolicy } from './policy-set';
import { compileTypePattern, patternSpecificity, type TypeMatcher } from './type-pattern';

export type OwnershipVerdict =
  { readonly ok: true } | { readonly ok: false; readonly message: string; readonly owner?: string };

/** Precompiles the ownership policy into a checker: only the system of record may publish a type. */
export function compileOwnership(
  policy: OwnershipPolicy,
): (source: string, type: string) => OwnershipVerdict {
  const rules: { owner: string; pattern: string; matches: TypeMatcher; specificity: number }[] = [];
  for (const system of policy.systems) {
    for (const pattern of system.owns) {
      rules.push({
        owner: system.source,
        pattern,
        matches: compileTypePattern(pattern),
        specificity: patternSpecificity(pattern),
      });
    }
  }
  rules.sort((a, b) => b.specificity - a.specificity);
  const cache = new Map<string, string | null>();
  const ownerOf = (type: string): string | null => {
    let owner = cache.get(type);
    if (owner === undefined) {
      owner = rules.find((rule) => rule.matches(type))?.owner ?? null;
      if (cache.size > 10_000) cache.clear();
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

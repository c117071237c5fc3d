import type { NamingPolicy } from './policy-set';

/** Returns a specific message when the source or the type breaks the naming rules, else undefined. */
export type NamingChecker = (source: string, type: string) => string | undefined;

/** Precompiles the naming rules once (the patterns were checked to compile when loaded). */
export function compileNaming(policy: NamingPolicy): NamingChecker {
  const typePattern = new RegExp(policy.typePattern);
  const sourcePattern = new RegExp(policy.sourcePattern);
  return (source, type) => {
    if (!sourcePattern.test(source))
      return `source '${source}' does not match the naming rule ${policy.sourcePattern}`;
    if (!typePattern.test(type))
      return `type '${type}' does not match the naming rule ${policy.typePattern}`;
    return undefined;
  };
}

import type { NamingPolicy } from './policy-set';

/** Precompiles the naming rules; the checker returns a specific message, or undefined when fine. */
export function compileNaming(
  policy: NamingPolicy,
): (source: string, type: string) => string | undefined {
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

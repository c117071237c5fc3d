import type { PayloadPolicy } from './policy-set';
import { compileTypePattern } from './type-pattern';

/** Precompiles the payload policy into `type → max bytes` (first matching override wins). */
export function compilePayloadLimit(policy: PayloadPolicy): (type: string) => number {
  const overrides = policy.overrides.map((override) => ({
    ...override,
    matches: compileTypePattern(override.type),
  }));
  return (type) =>
    overrides.find((override) => override.matches(type))?.maxBytes ?? policy.maxBytes;
}

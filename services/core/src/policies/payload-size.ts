import type { PayloadPolicy } from './policy-set';
import { compileTypePattern } from './type-pattern';

export type PayloadSizeVerdict =
  | { readonly ok: true; readonly maxBytes: number }
  | { readonly ok: false; readonly maxBytes: number; readonly message: string };

/**
 * Precompiles the payload policy into `type → max bytes`. Overrides are tried in file order and the
 * first whose type pattern matches wins; otherwise the default `maxBytes` applies.
 */
export function compilePayloadLimit(policy: PayloadPolicy): (type: string) => number {
  const overrides = policy.overrides.map((override) => ({
    maxBytes: override.maxBytes,
    matches: compileTypePattern(override.type),
  }));
  if (overrides.length === 0) return () => policy.maxBytes;
  return (type) =>
    overrides.find((override) => override.matches(type))?.maxBytes ?? policy.maxBytes;
}

const compiled = new WeakMap<PayloadPolicy, (type: string) => number>();

/** Whether an envelope of `bytes` bytes of this type is within the limit (`too_large` if not). */
export function checkPayloadSize(
  policy: PayloadPolicy,
  type: string,
  bytes: number,
): PayloadSizeVerdict {
  let limit = compiled.get(policy);
  if (limit === undefined) {
    limit = compilePayloadLimit(policy);
    compiled.set(policy, limit);
  }
  const maxBytes = limit(type);
  if (bytes <= maxBytes) return { ok: true, maxBytes };
  return {
    ok: false,
    maxBytes,
    message: `${type} envelope is ${bytes} bytes; the limit for this type is ${maxBytes} bytes`,
  };
}

/**
 * Event type patterns, NATS style, shared by ownership, rate limits and payload overrides:
 * - anything without a wildcard is exact: `change_order.approved`;
 * - `*` alone (or `>` alone) matches every type;
 * - `*` as a whole dot-separated token matches exactly one token: `change_order.*`;
 * - a trailing `>` matches one or more tokens: `finance.>` matches `finance.invoice.posted`.
 * A `*` inside a token (`change_*`) is a literal character, as in NATS.
 */
export type TypeMatcher = (type: string) => boolean;

const matchAll: TypeMatcher = () => true;

/** Precompiles a pattern once; the returned matcher is what runs per message. */
export function compileTypePattern(pattern: string): TypeMatcher {
  if (pattern === '*' || pattern === '>') return matchAll;
  const tokens = pattern.split('.');
  const tail = tokens.at(-1) === '>';
  const fixed = tail ? tokens.slice(0, -1) : tokens;
  if (!fixed.includes('*')) {
    if (!tail) return (type) => type === pattern;
    const prefix = `${fixed.join('.')}.`;
    return (type) => type.length > prefix.length && type.startsWith(prefix);
  }
  return (type) => {
    const parts = type.split('.');
    if (tail ? parts.length <= fixed.length : parts.length !== fixed.length) return false;
    return fixed.every((token, index) => token === '*' || token === parts[index]);
  };
}

/** Whether a pattern is a plain type (no wildcard token). */
export function isExactType(pattern: string): boolean {
  if (pattern === '*' || pattern === '>') return false;
  const tokens = pattern.split('.');
  return !tokens.includes('*') && tokens.at(-1) !== '>';
}

/**
 * How specific a pattern is, used to order rules: an exact type (1000) beats any wildcard
 * pattern; among patterns, more fixed tokens beat fewer; `*` alone is the least specific (0).
 */
export function patternSpecificity(pattern: string): number {
  if (pattern === '*' || pattern === '>') return 0;
  if (isExactType(pattern)) return 1_000;
  return pattern.split('.').filter((token) => token !== '*' && token !== '>').length;
}

/** Whether some event type matches both patterns (used to find ambiguous policy rules). */
export function patternsOverlap(a: string, b: string): boolean {
  const left = a === '*' ? ['>'] : a.split('.');
  const right = b === '*' ? ['>'] : b.split('.');
  for (let index = 0; ; index += 1) {
    const x = left[index];
    const y = right[index];
    if (x === '>') return y !== undefined;
    if (y === '>') return x !== undefined;
    if (x === undefined || y === undefined) return x === y;
    if (x !== '*' && y !== '*' && x !== y) return false;
  }
}

/**
 * Event type patterns, NATS style: `*` alone matches every type; `*` as a dot-separated token
 * matches exactly one token; a trailing `>` matches one or more tokens; anything else is exact.
 * `change_order.*` matches `change_order.approved`; `finance.>` matches `finance.invoice.posted`.
 */
export type TypeMatcher = (type: string) => boolean;

export function compileTypePattern(pattern: string): TypeMatcher {
  if (pattern === '*' || pattern === '>') return () => true;
  if (!pattern.includes('*') && !pattern.includes('>')) return (type) => type === pattern;
  const tokens = pattern.split('.');
  const tail = tokens.at(-1) === '>';
  const fixed = tail ? tokens.slice(0, -1) : tokens;
  return (type) => {
    const parts = type.split('.');
    if (tail ? parts.length <= fixed.length : parts.length !== fixed.length) return false;
    return fixed.every((token, index) => token === '*' || token === parts[index]);
  };
}

/** How specific a pattern is: exact beats wildcards; more fixed tokens beat fewer. */
export function patternSpecificity(pattern: string): number {
  if (pattern === '*' || pattern === '>') return 0;
  if (!pattern.includes('*') && !pattern.includes('>')) return 1_000;
  return pattern.split('.').filter((token) => token !== '*' && token !== '>').length;
}

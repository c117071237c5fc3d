import type { OwnershipPolicy } from '../policies/policy-set';
import { patternSpecificity, patternsOverlap } from '../policies/type-pattern';

/**
 * Least privilege at the broker: what each connector's NATS credentials may do, derived from the
 * ownership policy. A connector may publish only `ingest.<its source>.<a type it owns>` (with
 * `unowned: allow`, also any type no system owns) and receive only replies on its own inbox
 * prefix; it can reach no other subject, stream, consumer or bucket. The broker refuses anything
 * else, before the worker ever sees it.
 *
 * Exact where ownership is exact (the shipped policy lists types). Where one system's pattern
 * contains a type another system owns more specifically, the other's type is denied to the first;
 * where the first owns the more specific part, nothing is denied (NATS has no "more specific
 * wins") and the worker's ownership check decides.
 */
export interface ConnectorPermissions {
  readonly source: string;
  readonly publish: { readonly allow: readonly string[]; readonly deny: readonly string[] };
  readonly subscribe: { readonly allow: readonly string[] };
  /** Connectors must connect with this `inboxPrefix` so JetStream acks can reach them. */
  readonly inboxPrefix: string;
}

/** `change_order.*` → `ingest.odoo.change_order.*`; `*` or `>` alone → `ingest.odoo.>`. */
export function ingestSubjectPattern(source: string, typePattern: string): string {
  return typePattern === '*' || typePattern === '>'
    ? `ingest.${source}.>`
    : `ingest.${source}.${typePattern}`;
}

export function connectorInboxPrefix(source: string): string {
  return `_INBOX_${source}`;
}

export function connectorPermissions(ownership: OwnershipPolicy): ConnectorPermissions[] {
  return ownership.systems.map((system) => {
    const inboxPrefix = connectorInboxPrefix(system.source);
    const reach = ownership.unowned === 'allow' ? ['>'] : system.owns;
    const deny = ownership.systems
      .filter((other) => other.source !== system.source)
      .flatMap((other) => other.owns)
      .filter(
        (theirs) =>
          reach.some((mine) => patternsOverlap(mine, theirs)) &&
          // Where this system owns a more specific part, denying theirs would deny ours too.
          !system.owns.some(
            (mine) =>
              patternsOverlap(mine, theirs) &&
              patternSpecificity(mine) > patternSpecificity(theirs),
          ),
      );
    return {
      source: system.source,
      publish: {
        allow: reach.map((pattern) => ingestSubjectPattern(system.source, pattern)),
        deny: [...new Set(deny)].map((pattern) => ingestSubjectPattern(system.source, pattern)),
      },
      subscribe: { allow: [`${inboxPrefix}.>`] },
      inboxPrefix,
    };
  });
}

import type { SourceFreshness } from './kpi-definition';

/** A source silent for longer than expected. */
export interface StaleSource {
  readonly source: string;
  readonly expectedEveryMs: number;
  /** Its last message, or `undefined` when it was never seen. */
  readonly lastSeenAt: number | undefined;
  /** How long it has been silent; `undefined` when it was never seen. */
  readonly silentForMs: number | undefined;
}

/**
 * The sources with an expectation that have been silent longer than `expectedEvery` at `now`,
 * never-seen ones first, then the most overdue (silence over expectation) first. A source silent
 * exactly `expectedEvery` is not stale yet; a source without an expectation is never stale; a
 * source with an expectation that was never seen is stale.
 */
export function staleSources(
  expectations: Readonly<Record<string, SourceFreshness>>,
  lastSeenBySource: ReadonlyMap<string, number> | Readonly<Record<string, number>>,
  now: number,
): StaleSource[] {
  const lastSeen = (source: string): number | undefined =>
    isMap(lastSeenBySource)
      ? lastSeenBySource.get(source)
      : Object.hasOwn(lastSeenBySource, source)
        ? lastSeenBySource[source]
        : undefined;
  const stale: StaleSource[] = [];
  for (const [source, { expectedEveryMs }] of Object.entries(expectations)) {
    const lastSeenAt = lastSeen(source);
    const silentForMs = lastSeenAt === undefined ? undefined : Math.max(0, now - lastSeenAt);
    if (silentForMs !== undefined && silentForMs <= expectedEveryMs) continue;
    stale.push({ source, expectedEveryMs, lastSeenAt, silentForMs });
  }
  const overdue = (entry: StaleSource) =>
    entry.silentForMs === undefined ? Infinity : entry.silentForMs / entry.expectedEveryMs;
  return stale.sort(
    (a, b) => overdue(b) - overdue(a) || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0),
  );
}

function isMap(
  value: ReadonlyMap<string, number> | Readonly<Record<string, number>>,
): value is ReadonlyMap<string, number> {
  return value instanceof Map;
}

import type { FlowDefinition } from './flow-definition';
import type { SourceFreshness } from './kpi-definition';
import { staleSources, type StaleSource } from './source-freshness';

/** First decisions of messages, and delays, in a window. */
export interface DecisionCounts {
  readonly accepted: number;
  readonly rejected: number;
  readonly delayed: number;
}

/** Accepted over accepted and rejected; `null` when nothing was decided. Delays do not count. */
export function successRate(counts: DecisionCounts): number | null {
  const decided = counts.accepted + counts.rejected;
  return decided === 0 ? null : counts.accepted / decided;
}

/** Decisions per second over a window of `windowMs`. */
export function throughputPerSecond(counts: DecisionCounts, windowMs: number): number {
  return windowMs <= 0 ? 0 : (counts.accepted + counts.rejected) / (windowMs / 1_000);
}

/** When a source last sent a type. */
export interface SourceActivity {
  readonly source: string;
  readonly type: string;
  readonly lastReceivedAt: number;
}

export interface FlowFreshness {
  readonly flowId: string;
  /** The last message of any of the flow's steps; `undefined` when none was ever seen. */
  readonly lastSeenAt: number | undefined;
  readonly silentForMs: number | undefined;
  /** The sources sending the flow's steps that are silent for longer than expected. */
  readonly staleSources: readonly StaleSource[];
  /** Stale sources, or no step ever seen: the flow's figures may be out of date. */
  readonly stale: boolean;
}

/**
 * Freshness of each flow: how long since one of its steps was last seen, and which of the sources
 * that send its steps (as seen in lineage) are stale by their `expectedEvery` (kpis.yaml).
 */
export function flowFreshness(
  flows: readonly FlowDefinition[],
  activity: readonly SourceActivity[],
  expectations: Readonly<Record<string, SourceFreshness>>,
  now: number,
): FlowFreshness[] {
  const lastBySource = new Map<string, number>();
  for (const entry of activity)
    lastBySource.set(
      entry.source,
      Math.max(lastBySource.get(entry.source) ?? -Infinity, entry.lastReceivedAt),
    );
  return flows.map((flow) => {
    const types = new Set(flow.steps.map((step) => step.type));
    const mine = activity.filter((entry) => types.has(entry.type));
    const sources = new Set(mine.map((entry) => entry.source));
    const expected: Record<string, SourceFreshness> = {};
    for (const source of sources) {
      const expectation = expectations[source];
      if (expectation !== undefined) expected[source] = expectation;
    }
    const lastSeenAt =
      mine.length > 0 ? Math.max(...mine.map((entry) => entry.lastReceivedAt)) : undefined;
    const stale = staleSources(expected, lastBySource, now);
    return {
      flowId: flow.id,
      lastSeenAt,
      silentForMs: lastSeenAt === undefined ? undefined : Math.max(0, now - lastSeenAt),
      staleSources: stale,
      stale: lastSeenAt === undefined || stale.length > 0,
    };
  });
}

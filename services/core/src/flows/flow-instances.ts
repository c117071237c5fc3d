import type { Outcome } from '../governance/outcome';
import type { LineageRow } from '../lineage/lineage-row';
import type { FlowDefinition, FlowStep } from './flow-definition';

/** What the flow tracker needs of one lineage row: the step it is and how it went. */
export interface FlowFact {
  readonly type: string;
  /** The step's correlation value (read as the step's `correlation` says); never empty. */
  readonly correlation: string;
  /** Legal entity; the same correlation value in two tenants is two instances. */
  readonly tenant: string;
  readonly outcome: Outcome;
  /** Dead-letter reason for a rejected message, `''` when accepted. */
  readonly reason: string;
  /** Lineage `envelope_key` (`source:id`): identifies the message and its dead letter. */
  readonly envelopeKey: string;
  /** Milliseconds since the epoch, on the flow's clock. */
  readonly time: number;
  /** For a rejected message: its DEADLETTER stream sequence, when known. */
  readonly deadLetterSeq?: number;
}

/** The lineage columns {@link flowFactOf} reads (the output columns only for dead letters). */
export type FlowLineageRow = Pick<
  LineageRow,
  | 'type'
  | 'outcome'
  | 'reason'
  | 'envelope_key'
  | 'tenant'
  | 'correlation_id'
  | 'business_key'
  | 'tracked_str'
  | 'event_time'
  | 'received_at'
> &
  Partial<Pick<LineageRow, 'output_stream' | 'output_seq'>>;

/**
 * The flow fact of a lineage row, or `undefined` when the row is not part of the flow: its type
 * is not a step, its correlation value is empty, or it is a first step that fails `startsWhen`.
 * Lineage keeps the business key and tracked properties of accepted messages only, so a
 * dead-lettered step correlates only when the step correlates by `correlation_id`, and a
 * dead-lettered first step never passes a `startsWhen` condition.
 */
export function flowFactOf(flow: FlowDefinition, row: FlowLineageRow): FlowFact | undefined {
  const step = flow.steps.find((candidate) => candidate.type === row.type);
  if (step === undefined) return undefined;
  if (step.index === 0) {
    for (const [property, values] of Object.entries(flow.startsWhen)) {
      const value = row.tracked_str[property];
      if (value === undefined || !values.includes(value)) return undefined;
    }
  }
  const correlation = correlationOf(step, row);
  if (correlation === '') return undefined;
  return {
    type: row.type,
    correlation,
    tenant: row.tenant,
    outcome: row.outcome,
    reason: row.reason,
    envelopeKey: row.envelope_key,
    time: flow.clock === 'event' ? row.event_time : row.received_at,
    ...(row.outcome === 'rejected' && row.output_stream === 'DEADLETTER' && row.output_seq
      ? { deadLetterSeq: row.output_seq }
      : {}),
  };
}

function correlationOf(step: FlowStep, row: FlowLineageRow): string {
  switch (step.correlation.by) {
    case 'correlation_id':
      return row.correlation_id;
    case 'business_key':
      return row.business_key;
    case 'tracked':
      return row.tracked_str[step.correlation.property] ?? '';
  }
}

/**
 * - `in_progress`: steps are missing, no deadline has passed, nothing is dead-lettered;
 * - `completed`: every step from the start step on was accepted (perhaps late: see `breached`);
 * - `breached`: a deadline (a step's SLA or the flow's) passed with its step still missing;
 * - `failed`: a step was dead-lettered and not accepted since; the dead letter says what to open.
 * An instance both failed and breached is `failed`: the dead letter is what support acts on.
 */
export const FlowState = {
  InProgress: 'in_progress',
  Completed: 'completed',
  Breached: 'breached',
  Failed: 'failed',
} as const;
export type FlowState = (typeof FlowState)[keyof typeof FlowState];

/**
 * - `done`: accepted at least once (later rejections of the same step do not undo it);
 * - `failed`: rejected and never accepted;
 * - `pending`: not seen yet, or only delayed (rate limited; the message comes back);
 * - `not_observed`: before the step the instance started at (see `FlowInstance.startStep`).
 */
export type FlowStepStatus = 'done' | 'failed' | 'pending' | 'not_observed';

/** The dead letter to open for a failed step: its lineage envelope key and reason. */
export interface FlowDeadLetter {
  readonly step: number;
  readonly type: string;
  readonly envelopeKey: string;
  readonly reason: string;
  readonly at: number;
  /** Its DEADLETTER stream sequence (`GET /api/dead-letters/:seq`), when known. */
  readonly seq: number | undefined;
}

/**
 * What the flow tracker needs to know of one step of one instance: a summary of the step's facts
 * (see {@link summarizeFlowStep}). A rollup can keep it without keeping every fact.
 */
export interface FlowStepSummary {
  /** First and last fact of the step, whatever its outcome. */
  readonly firstSeenAt: number;
  readonly lastSeenAt: number;
  /** First acceptance and its envelope key; `undefined` when never accepted. */
  readonly firstAcceptedAt: number | undefined;
  readonly firstAcceptedKey: string | undefined;
  /** Distinct envelopes accepted and rejected. */
  readonly accepted: number;
  readonly rejected: number;
  /** The latest rejection; `undefined` when never rejected. */
  readonly lastRejection:
    | {
        readonly envelopeKey: string;
        readonly reason: string;
        readonly at: number;
        readonly seq: number | undefined;
      }
    | undefined;
}

/** A deadline that passed with its step missing; kept after the step arrived late. */
export interface FlowBreach {
  /** `step`: the step's SLA after the previous step; `flow`: the flow's SLA after its start. */
  readonly scope: 'step' | 'flow';
  /** The step that was missing at the deadline (for `flow`: the first missing, or the last to arrive). */
  readonly step: number;
  readonly type: string;
  readonly dueAt: number;
  /** When the missing step was accepted after all; `undefined` while it is still missing. */
  readonly arrivedAt: number | undefined;
}

export interface FlowStepProgress {
  readonly index: number;
  readonly type: string;
  readonly status: FlowStepStatus;
  /** First message of the step, whatever its outcome. */
  readonly firstSeenAt: number | undefined;
  /** First acceptance: when the step was done. */
  readonly doneAt: number | undefined;
  /** The step's deadline: the previous step's `doneAt` plus the step's SLA, once that is known. */
  readonly dueAt: number | undefined;
  /** Distinct messages accepted and rejected for the step (several timesheets, a replay, …). */
  readonly accepted: number;
  readonly rejected: number;
  /** The first accepted message. */
  readonly envelopeKey: string | undefined;
  /** For a failed step, its latest dead letter. */
  readonly deadLetter: FlowDeadLetter | undefined;
}

export interface FlowInstance {
  readonly flowId: string;
  readonly tenant: string;
  readonly correlation: string;
  readonly state: FlowState;
  /**
   * The first step seen: 0 normally. When later steps arrive without the first (it is still on
   * its way, was sent before tracking began, or never reaches Plumbline) the instance starts at
   * the earliest step seen; the steps before it are `not_observed` and not required. When the
   * first step shows up after all, the instance starts at 0 again: instances are recomputed
   * from the facts, never stored.
   */
  readonly startStep: number;
  /** The earliest fact of the instance: the whole-flow SLA runs from here. */
  readonly startedAt: number;
  /** The latest fact of the instance. */
  readonly updatedAt: number;
  /** When the last missing step was accepted. */
  readonly completedAt: number | undefined;
  /** Unfinished instances: the failed step, else the first required step not done. */
  readonly stoppedAt: { readonly step: number; readonly type: string } | undefined;
  /** Failed instances: the dead letter to open (of the step in `stoppedAt`). */
  readonly deadLetter: FlowDeadLetter | undefined;
  /** Every deadline that passed with its step missing, by due time, late arrivals included. */
  readonly breaches: readonly FlowBreach[];
  /** Whether any deadline was missed: a completed instance with `breached` completed late. */
  readonly breached: boolean;
  /** The missed deadline still open with the earliest due time: the breach that applies now. */
  readonly breach: FlowBreach | undefined;
  /** The next deadline still ahead (to re-evaluate or show "due in"); `undefined` if none. */
  readonly dueAt: number | undefined;
  readonly steps: readonly FlowStepProgress[];
}

/**
 * Derives the instances of a flow from the facts of its step types at `now`: one per (tenant,
 * correlation value), sorted by start time. Pure and idempotent: the order of the facts does not
 * matter, and a fact repeated (same envelope key and outcome, as a redelivered lineage row) counts
 * once. Facts of other types or with an empty correlation value are ignored.
 *
 * Deadlines: step N (N > 0) is due its SLA after step N-1 was done; the flow is due its SLA after
 * `startedAt`. A deadline passes when `now` (or the step's acceptance) is later than it.
 */
export function deriveFlowInstances(
  flow: FlowDefinition,
  facts: readonly FlowFact[],
  now: number,
): FlowInstance[] {
  const stepOf = new Map(flow.steps.map((step) => [step.type, step.index]));
  const groups = new Map<string, { tenant: string; correlation: string; facts: FlowFact[] }>();
  const seen = new Set<string>();
  // In time order, so that of a repeated fact the earliest is kept, whatever the input order.
  const ordered = [...facts].sort(
    (a, b) =>
      a.time - b.time ||
      compareText(a.envelopeKey, b.envelopeKey) ||
      compareText(a.outcome, b.outcome),
  );
  for (const fact of ordered) {
    if (fact.correlation === '' || !stepOf.has(fact.type)) continue;
    const identity = JSON.stringify([
      fact.tenant,
      fact.correlation,
      fact.envelopeKey,
      fact.outcome,
    ]);
    if (seen.has(identity)) continue;
    seen.add(identity);
    const key = JSON.stringify([fact.tenant, fact.correlation]);
    let group = groups.get(key);
    if (group === undefined) {
      group = { tenant: fact.tenant, correlation: fact.correlation, facts: [] };
      groups.set(key, group);
    }
    group.facts.push(fact);
  }
  const instances = [...groups.values()].map((group) => {
    const byStep = flow.steps.map(() => [] as FlowFact[]);
    for (const fact of group.facts) byStep[stepOf.get(fact.type) ?? 0]?.push(fact);
    return deriveFlowInstance(
      flow,
      group.tenant,
      group.correlation,
      byStep.map(summarizeFlowStep),
      now,
    );
  });
  return instances.sort(
    (a, b) =>
      a.startedAt - b.startedAt ||
      compareText(a.tenant, b.tenant) ||
      compareText(a.correlation, b.correlation),
  );
}

/**
 * The summary of one step's facts, in time order and without repeats (as
 * {@link deriveFlowInstances} passes them); `undefined` when there are none.
 */
export function summarizeFlowStep(ordered: readonly FlowFact[]): FlowStepSummary | undefined {
  const first = ordered[0];
  const last = ordered.at(-1);
  if (first === undefined || last === undefined) return undefined;
  const accepted = ordered.filter((fact) => fact.outcome === 'accepted');
  const rejected = ordered.filter((fact) => fact.outcome === 'rejected');
  const firstAccepted = accepted[0];
  const lastRejected = rejected.at(-1);
  return {
    firstSeenAt: first.time,
    lastSeenAt: last.time,
    firstAcceptedAt: firstAccepted?.time,
    firstAcceptedKey: firstAccepted?.envelopeKey,
    accepted: new Set(accepted.map((fact) => fact.envelopeKey)).size,
    rejected: new Set(rejected.map((fact) => fact.envelopeKey)).size,
    lastRejection:
      lastRejected === undefined
        ? undefined
        : {
            envelopeKey: lastRejected.envelopeKey,
            reason: lastRejected.reason,
            at: lastRejected.time,
            seq: lastRejected.deadLetterSeq,
          },
  };
}

/**
 * One instance from the summaries of its steps (`summaries[i]` for step i, `undefined` when the
 * step has no fact), at `now`. {@link deriveFlowInstances} is this applied to each (tenant,
 * correlation value) of the facts; a rollup that keeps the summaries derives the same instance.
 * At least one step must have a summary.
 */
export function deriveFlowInstance(
  flow: FlowDefinition,
  tenant: string,
  correlation: string,
  summaries: readonly (FlowStepSummary | undefined)[],
  now: number,
): FlowInstance {
  const startStep = summaries.findIndex((summary) => summary !== undefined);
  const present = summaries.filter((summary) => summary !== undefined);
  const startedAt = present.length > 0 ? Math.min(...present.map((s) => s.firstSeenAt)) : now;
  const updatedAt = present.length > 0 ? Math.max(...present.map((s) => s.lastSeenAt)) : now;

  const progress: FlowStepProgress[] = [];
  for (const step of flow.steps) {
    const summary = summaries[step.index];
    const previous = progress[step.index - 1];
    const rejection = summary?.lastRejection;
    const status: FlowStepStatus =
      step.index < startStep
        ? 'not_observed'
        : summary?.firstAcceptedAt !== undefined
          ? 'done'
          : rejection !== undefined
            ? 'failed'
            : 'pending';
    progress.push({
      index: step.index,
      type: step.type,
      status,
      firstSeenAt: summary?.firstSeenAt,
      doneAt: summary?.firstAcceptedAt,
      dueAt:
        step.index > startStep && step.slaMs !== undefined && previous?.doneAt !== undefined
          ? previous.doneAt + step.slaMs
          : undefined,
      accepted: summary?.accepted ?? 0,
      rejected: summary?.rejected ?? 0,
      envelopeKey: summary?.firstAcceptedKey,
      deadLetter:
        status === 'failed' && rejection !== undefined
          ? {
              step: step.index,
              type: step.type,
              envelopeKey: rejection.envelopeKey,
              reason: rejection.reason,
              at: rejection.at,
              seq: rejection.seq,
            }
          : undefined,
    });
  }

  const required = progress.filter((step) => step.status !== 'not_observed');
  const missing = required.filter((step) => step.status !== 'done');
  const completedAt =
    missing.length === 0 ? Math.max(...required.map((step) => step.doneAt ?? 0)) : undefined;

  const breaches: FlowBreach[] = [];
  for (const step of required) {
    if (step.dueAt === undefined) continue;
    const late = step.doneAt !== undefined ? step.doneAt > step.dueAt : now > step.dueAt;
    if (late)
      breaches.push({
        scope: 'step',
        step: step.index,
        type: step.type,
        dueAt: step.dueAt,
        arrivedAt: step.doneAt,
      });
  }
  const flowDueAt = startedAt + flow.slaMs;
  if (completedAt !== undefined ? completedAt > flowDueAt : now > flowDueAt) {
    const last = required.reduce((a, b) => ((b.doneAt ?? 0) > (a.doneAt ?? 0) ? b : a));
    const culprit = missing[0] ?? last;
    breaches.push({
      scope: 'flow',
      step: culprit.index,
      type: culprit.type,
      dueAt: flowDueAt,
      arrivedAt: culprit.doneAt,
    });
  }
  breaches.sort((a, b) => a.dueAt - b.dueAt || a.step - b.step);
  const open = breaches.filter((breach) => breach.arrivedAt === undefined);

  const failedStep = required.find((step) => step.status === 'failed');
  const stopped = failedStep ?? missing[0];
  const state: FlowState =
    completedAt !== undefined
      ? 'completed'
      : failedStep !== undefined
        ? 'failed'
        : open.length > 0
          ? 'breached'
          : 'in_progress';

  const ahead =
    completedAt === undefined
      ? [flowDueAt, ...missing.map((step) => step.dueAt)].filter(
          (due): due is number => due !== undefined && due >= now,
        )
      : [];

  return {
    flowId: flow.id,
    tenant,
    correlation,
    state,
    startStep,
    startedAt,
    updatedAt,
    completedAt,
    stoppedAt: stopped === undefined ? undefined : { step: stopped.index, type: stopped.type },
    deadLetter: failedStep?.deadLetter,
    breaches,
    breached: breaches.length > 0,
    breach: open[0],
    dueAt: ahead.length > 0 ? Math.min(...ahead) : undefined,
    steps: progress,
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** How many instances are in each state; `completedLate`: completed with a deadline missed. */
export interface FlowStateCounts {
  readonly in_progress: number;
  readonly breached: number;
  readonly failed: number;
  readonly completed: number;
  readonly completedLate: number;
}

export function countFlowStates(instances: readonly FlowInstance[]): FlowStateCounts {
  const count = (state: FlowState) =>
    instances.filter((instance) => instance.state === state).length;
  return {
    in_progress: count('in_progress'),
    breached: count('breached'),
    failed: count('failed'),
    completed: count('completed'),
    completedLate: instances.filter((i) => i.state === 'completed' && i.breached).length,
  };
}

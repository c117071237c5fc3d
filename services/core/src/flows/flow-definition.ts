/**
 * A flow: a business process that crosses systems, as an ordered list of event types that one
 * correlation value ties together, e.g. change order approved (Odoo) → commitment updated (cost
 * control) → billing adjusted (Odoo). Written in `policies/flows/<id>.yaml` (validated by
 * `schemas/policies/flow.schema.json`); instances are derived from lineage by
 * `deriveFlowInstances`.
 */

/**
 * Where a step's correlation value is read from, in the step's lineage row:
 * - `correlation_id`: the envelope's `correlationid` extension (the default). The only choice
 *   that also correlates dead-lettered messages: lineage keeps the business key and tracked
 *   properties of accepted messages only.
 * - `business_key`: the `x-business-key` property of the step's contract;
 * - `tracked`: a tracked (`x-tracked`) string property of the step's contract, named by
 *   `correlationProperty`, e.g. `change_order_ref` on commitment.updated.
 */
export const CorrelateBy = {
  CorrelationId: 'correlation_id',
  BusinessKey: 'business_key',
  Tracked: 'tracked',
} as const;
export type CorrelateBy = (typeof CorrelateBy)[keyof typeof CorrelateBy];
export const correlateByValues: readonly CorrelateBy[] = Object.values(CorrelateBy);

/** How one step reads its correlation value; `property` only for `tracked`. */
export type FlowCorrelation =
  | { readonly by: 'correlation_id' }
  | { readonly by: 'business_key' }
  | { readonly by: 'tracked'; readonly property: string };

/**
 * Which clock times a step:
 * - `received`: when Plumbline received the message (lineage `received_at`), the default. Time
 *   spent dead-lettered or stuck in a connector counts against the SLA.
 * - `event`: when the event happened at the source (envelope `time`, lineage `event_time`), for
 *   processes whose SLA is about business time even when a system sends in batches.
 */
export const FlowClock = {
  Received: 'received',
  Event: 'event',
} as const;
export type FlowClock = (typeof FlowClock)[keyof typeof FlowClock];

export interface FlowStep {
  /** Position in the flow, from 0. */
  readonly index: number;
  /** Exact event type, e.g. `commitment.updated`. */
  readonly type: string;
  /** For people; defaults to the type. */
  readonly title: string;
  /**
   * Time allowed after the previous step for this one, as written (`2d`) and in milliseconds;
   * `undefined` for the first step (it starts the flow) and for steps only the flow SLA covers.
   */
  readonly sla: string | undefined;
  readonly slaMs: number | undefined;
  readonly correlation: FlowCorrelation;
}

export interface FlowDefinition {
  /** Kebab-case id, also the file name: `policies/flows/<id>.yaml`. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** Who answers for the flow: a team or a person, as the console shows it. */
  readonly owner: string;
  /** Time allowed from the first step to the last, as written and in milliseconds. */
  readonly sla: string;
  readonly slaMs: number;
  readonly clock: FlowClock;
  /**
   * Only first-step messages whose tracked string properties have one of these values start an
   * instance (e.g. `requires_procurement_review: ['true']`); empty when every one does.
   */
  readonly startsWhen: Readonly<Record<string, readonly string[]>>;
  /** In order; at least two, each type once. */
  readonly steps: readonly FlowStep[];
}

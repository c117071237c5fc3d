import { describe, expect, it } from 'vitest';
import type { FlowDefinition } from './flow-definition';
import {
  deriveFlowInstance,
  deriveFlowInstances,
  flowFactOf,
  summarizeFlowStep,
  type FlowFact,
  type FlowInstance,
  type FlowLineageRow,
} from './flow-instances';

const minute = 60_000;
const hour = 60 * minute;
const t0 = Date.parse('2026-03-02T08:00:00Z');

/** Change order approved → commitment updated (2h) → billing adjusted (3h); whole flow 4h. */
const flow: FlowDefinition = {
  id: 'change-order-billing',
  title: 'Change order to billing adjustment',
  description: '',
  owner: 'Commercial management',
  sla: '4h',
  slaMs: 4 * hour,
  clock: 'received',
  startsWhen: {},
  steps: [
    {
      index: 0,
      type: 'change_order.approved',
      title: 'Change order approved',
      sla: undefined,
      slaMs: undefined,
      correlation: { by: 'correlation_id' },
    },
    {
      index: 1,
      type: 'commitment.updated',
      title: 'Commitment updated',
      sla: '2h',
      slaMs: 2 * hour,
      correlation: { by: 'correlation_id' },
    },
    {
      index: 2,
      type: 'billing.adjusted',
      title: 'Billing adjusted',
      sla: '3h',
      slaMs: 3 * hour,
      correlation: { by: 'correlation_id' },
    },
  ],
};
const [approved, commitment, billing] = [
  'change_order.approved',
  'commitment.updated',
  'billing.adjusted',
];

let counter = 0;
const fact = (type: string, time: number, overrides: Partial<FlowFact> = {}): FlowFact => {
  counter += 1;
  return {
    type,
    correlation: 'co-1',
    tenant: 'acme-us',
    outcome: 'accepted',
    reason: '',
    envelopeKey: `src:${type}-${counter}`,
    time,
    ...overrides,
  };
};
const rejected = (type: string, time: number, envelopeKey: string, reason = 'schema_violation') =>
  fact(type, time, { outcome: 'rejected', reason, envelopeKey });

const only = (facts: readonly FlowFact[], now: number): FlowInstance => {
  const instances = deriveFlowInstances(flow, facts, now);
  expect(instances).toHaveLength(1);
  const [instance] = instances;
  if (instance === undefined) throw new Error('no instance');
  return instance;
};
const statuses = (instance: FlowInstance) => instance.steps.map((step) => step.status);

describe('deriveFlowInstances', () => {
  it('goes in progress → breached → back in progress after a late step → completed late', () => {
    const first = fact(approved, t0);

    const waiting = only([first], t0 + hour);
    expect(waiting).toMatchObject({
      flowId: 'change-order-billing',
      tenant: 'acme-us',
      correlation: 'co-1',
      state: 'in_progress',
      startStep: 0,
      startedAt: t0,
      updatedAt: t0,
      completedAt: undefined,
      stoppedAt: { step: 1, type: commitment },
      deadLetter: undefined,
      breaches: [],
      breached: false,
      breach: undefined,
      dueAt: t0 + 2 * hour, // the commitment's deadline comes before the flow's
    });
    expect(statuses(waiting)).toEqual(['done', 'pending', 'pending']);
    expect(waiting.steps[0]).toMatchObject({
      doneAt: t0,
      accepted: 1,
      envelopeKey: first.envelopeKey,
    });
    expect(waiting.steps[1]?.dueAt).toBe(t0 + 2 * hour);
    expect(waiting.steps[2]?.dueAt).toBeUndefined(); // its clock starts with the commitment

    // Exactly at the deadline it is not late yet.
    expect(only([first], t0 + 2 * hour).state).toBe('in_progress');

    const stepBreach = {
      scope: 'step',
      step: 1,
      type: commitment,
      dueAt: t0 + 2 * hour,
      arrivedAt: undefined,
    } as const;
    const breached = only([first], t0 + 2 * hour + 1);
    expect(breached).toMatchObject({
      state: 'breached',
      stoppedAt: { step: 1, type: commitment },
      breaches: [stepBreach],
      breached: true,
      breach: stepBreach,
      dueAt: t0 + 4 * hour,
    });

    const late = fact(commitment, t0 + 3 * hour);
    const resumed = only([first, late], t0 + 3 * hour);
    expect(resumed).toMatchObject({
      state: 'in_progress',
      stoppedAt: { step: 2, type: billing },
      breaches: [{ ...stepBreach, arrivedAt: t0 + 3 * hour }],
      breached: true,
      breach: undefined,
      dueAt: t0 + 4 * hour,
    });
    expect(resumed.steps[2]?.dueAt).toBe(t0 + 6 * hour);

    const done = only([first, late, fact(billing, t0 + 5 * hour)], t0 + 5 * hour);
    expect(done).toMatchObject({
      state: 'completed',
      completedAt: t0 + 5 * hour,
      updatedAt: t0 + 5 * hour,
      stoppedAt: undefined,
      breached: true,
      breach: undefined,
      dueAt: undefined,
      breaches: [
        { ...stepBreach, arrivedAt: t0 + 3 * hour },
        { scope: 'flow', step: 2, type: billing, dueAt: t0 + 4 * hour, arrivedAt: t0 + 5 * hour },
      ],
    });
    expect(statuses(done)).toEqual(['done', 'done', 'done']);
  });

  it('completes on time without a breach', () => {
    const done = only(
      [fact(approved, t0), fact(commitment, t0 + hour), fact(billing, t0 + 4 * hour)],
      t0 + 10 * hour,
    );
    expect(done).toMatchObject({ state: 'completed', completedAt: t0 + 4 * hour, breached: false });
    expect(done.breaches).toEqual([]);
  });

  it('breaches the whole-flow SLA even when every step kept its own', () => {
    const facts = [fact(approved, t0), fact(commitment, t0 + 2 * hour)];
    const instance = only(facts, t0 + 4 * hour + 1);
    expect(instance.state).toBe('breached');
    expect(instance.breach).toEqual({
      scope: 'flow',
      step: 2,
      type: billing,
      dueAt: t0 + 4 * hour,
      arrivedAt: undefined,
    });
    expect(instance.dueAt).toBe(t0 + 5 * hour); // the billing step's own deadline is still ahead
  });

  it('fails on a dead-lettered step, and continues once a replay is accepted', () => {
    const first = fact(approved, t0);
    const dead = rejected(commitment, t0 + 30 * minute, 'costctl:SC-1');

    const failed = only([first, dead], t0 + hour);
    expect(failed).toMatchObject({
      state: 'failed',
      stoppedAt: { step: 1, type: commitment },
      deadLetter: {
        step: 1,
        type: commitment,
        envelopeKey: 'costctl:SC-1',
        reason: 'schema_violation',
        at: t0 + 30 * minute,
      },
      breached: false,
    });
    expect(statuses(failed)).toEqual(['done', 'failed', 'pending']);

    // Failure outranks a breach: the dead letter is what support acts on.
    const failedLate = only([first, dead], t0 + 5 * hour);
    expect(failedLate.state).toBe('failed');
    expect(failedLate.breach).toMatchObject({ scope: 'step', step: 1, dueAt: t0 + 2 * hour });
    expect(failedLate.breaches.map((breach) => breach.scope)).toEqual(['step', 'flow']);

    // The replay keeps the envelope id: same key, now accepted.
    const replayed = fact(commitment, t0 + 90 * minute, { envelopeKey: 'costctl:SC-1' });
    const resumed = only([first, dead, replayed], t0 + 2 * hour);
    expect(resumed).toMatchObject({
      state: 'in_progress',
      stoppedAt: { step: 2, type: billing },
      deadLetter: undefined,
      breached: false,
    });
    expect(resumed.steps[1]).toMatchObject({
      status: 'done',
      firstSeenAt: t0 + 30 * minute,
      doneAt: t0 + 90 * minute,
      accepted: 1,
      rejected: 1,
      deadLetter: undefined,
    });
    expect(resumed.steps[2]?.dueAt).toBe(t0 + 90 * minute + 3 * hour);
  });

  it('opens the latest dead letter when a replay fails again', () => {
    const instance = only(
      [
        fact(approved, t0),
        rejected(commitment, t0 + hour, 'costctl:SC-1', 'schema_violation'),
        rejected(commitment, t0 + 2 * hour, 'costctl:SC-1-r1', 'ownership_violation'),
      ],
      t0 + 2 * hour,
    );
    expect(instance.deadLetter).toEqual({
      step: 1,
      type: commitment,
      envelopeKey: 'costctl:SC-1-r1',
      reason: 'ownership_violation',
      at: t0 + 2 * hour,
    });
    expect(instance.steps[1]?.rejected).toBe(2);
  });

  it('fails on a dead-lettered first step', () => {
    const instance = only([rejected(approved, t0, 'odoo:CO-1', 'unknown_contract')], t0 + hour);
    expect(instance).toMatchObject({
      state: 'failed',
      startStep: 0,
      startedAt: t0,
      stoppedAt: { step: 0, type: approved },
      deadLetter: { envelopeKey: 'odoo:CO-1', reason: 'unknown_contract' },
    });
  });

  it('does not undo a done step when a later message of the same step is dead-lettered', () => {
    const instance = only(
      [
        fact(approved, t0),
        rejected(approved, t0 + minute, 'odoo:dup'),
        fact(commitment, t0 + hour),
      ],
      t0 + hour,
    );
    expect(instance.state).toBe('in_progress');
    expect(instance.steps[0]).toMatchObject({ status: 'done', accepted: 1, rejected: 1 });
    expect(instance.deadLetter).toBeUndefined();
  });

  it('counts a repeated fact once and several messages of a step as several', () => {
    const first = fact(approved, t0, { envelopeKey: 'payroll:TS-1' });
    const repeat = { ...first, time: t0 + minute }; // a redelivered lineage row
    const second = fact(approved, t0 + 10 * minute, { envelopeKey: 'payroll:TS-2' });
    const instance = only([repeat, first, second, first], t0 + hour);
    expect(instance.steps[0]).toMatchObject({
      status: 'done',
      accepted: 2,
      firstSeenAt: t0,
      doneAt: t0,
      envelopeKey: 'payroll:TS-1',
    });
    expect(instance.startedAt).toBe(t0);
    expect(instance.steps[1]?.dueAt).toBe(t0 + 2 * hour); // from the first acceptance
  });

  it('does not depend on the order the facts arrive in', () => {
    const facts = [
      fact(billing, t0 + 10 * minute),
      fact(commitment, t0 + 20 * minute),
      fact(approved, t0 + 30 * minute),
    ];
    const instance = only(facts, t0 + hour);
    expect(instance).toMatchObject({
      state: 'completed',
      startStep: 0,
      startedAt: t0 + 10 * minute,
      completedAt: t0 + 30 * minute,
      breached: false,
    });
    expect(instance.steps.map((step) => step.dueAt)).toEqual([
      undefined,
      t0 + 30 * minute + 2 * hour,
      t0 + 20 * minute + 3 * hour,
    ]);
    expect(deriveFlowInstances(flow, [...facts].reverse(), t0 + hour)).toEqual([instance]);
    const shuffled = [facts[1], facts[2], facts[0]].filter((item) => item !== undefined);
    expect(deriveFlowInstances(flow, shuffled, t0 + hour)).toEqual([instance]);
  });

  it('starts at the earliest step seen when the first is missing, and re-anchors when it arrives', () => {
    const second = fact(commitment, t0);
    const partial = only([second], t0 + hour);
    expect(partial).toMatchObject({
      state: 'in_progress',
      startStep: 1,
      startedAt: t0,
      stoppedAt: { step: 2, type: billing },
      dueAt: t0 + 3 * hour,
    });
    expect(statuses(partial)).toEqual(['not_observed', 'done', 'pending']);
    expect(partial.steps[1]?.dueAt).toBeUndefined(); // no previous step to measure from

    const completed = only([second, fact(billing, t0 + 2 * hour)], t0 + 2 * hour);
    expect(completed).toMatchObject({
      state: 'completed',
      startStep: 1,
      completedAt: t0 + 2 * hour,
    });

    const anchored = only([second, fact(approved, t0 + hour)], t0 + hour);
    expect(anchored).toMatchObject({ state: 'in_progress', startStep: 0, startedAt: t0 });
    expect(statuses(anchored)).toEqual(['done', 'done', 'pending']);
  });

  it('keeps tenants apart: the same correlation value in two tenants is two instances', () => {
    const instances = deriveFlowInstances(
      flow,
      [
        fact(approved, t0, { tenant: 'acme-us' }),
        fact(approved, t0 + minute, { tenant: 'acme-ca' }),
        fact(commitment, t0 + hour, { tenant: 'acme-ca' }),
        fact(billing, t0 + 2 * hour, { tenant: 'acme-ca' }),
      ],
      t0 + 3 * hour,
    );
    expect(
      instances.map((instance) => [instance.tenant, instance.correlation, instance.state]),
    ).toEqual([
      ['acme-us', 'co-1', 'breached'],
      ['acme-ca', 'co-1', 'completed'],
    ]);
  });

  it('keeps correlation values apart and sorts instances by start', () => {
    const instances = deriveFlowInstances(
      flow,
      [
        fact(approved, t0 + hour, { correlation: 'co-2' }),
        fact(approved, t0, { correlation: 'co-3' }),
        fact(commitment, t0 + hour, { correlation: 'co-3' }),
      ],
      t0 + hour,
    );
    expect(instances.map((instance) => [instance.correlation, instance.stoppedAt?.step])).toEqual([
      ['co-3', 2],
      ['co-2', 1],
    ]);
  });

  it('ignores facts of other types and facts without a correlation value', () => {
    expect(
      deriveFlowInstances(
        flow,
        [fact('invoice.posted', t0), fact(approved, t0, { correlation: '' })],
        t0,
      ),
    ).toEqual([]);
  });

  it('treats a delayed step as seen but not done', () => {
    const instance = only([fact(approved, t0, { outcome: 'delayed', reason: 'rate_limited' })], t0);
    expect(instance).toMatchObject({ state: 'in_progress', startStep: 0, startedAt: t0 });
    expect(instance.steps[0]).toMatchObject({
      status: 'pending',
      firstSeenAt: t0,
      doneAt: undefined,
      accepted: 0,
      rejected: 0,
    });
    expect(instance.stoppedAt).toEqual({ step: 0, type: approved });
  });
});

describe('flowFactOf', () => {
  const row = (overrides: Partial<FlowLineageRow> = {}): FlowLineageRow => ({
    type: commitment,
    outcome: 'accepted',
    reason: '',
    envelope_key: 'costctl:SC-1',
    tenant: 'acme-us',
    correlation_id: 'co-run-CO-1',
    business_key: 'SC-1',
    tracked_str: { change_order_ref: 'CO-1', project_ref: 'P-100' },
    event_time: t0,
    received_at: t0 + minute,
    ...overrides,
  });

  it('reads the correlation id and the received time by default', () => {
    expect(flowFactOf(flow, row())).toEqual({
      type: commitment,
      correlation: 'co-run-CO-1',
      tenant: 'acme-us',
      outcome: 'accepted',
      reason: '',
      envelopeKey: 'costctl:SC-1',
      time: t0 + minute,
    });
  });

  it('reads the event time on the event clock', () => {
    expect(flowFactOf({ ...flow, clock: 'event' }, row())?.time).toBe(t0);
  });

  it('reads each step as the step says: business key on one, tracked property on another', () => {
    const chained: FlowDefinition = {
      ...flow,
      steps: flow.steps.map((step) =>
        step.index === 0
          ? { ...step, correlation: { by: 'business_key' } }
          : { ...step, correlation: { by: 'tracked', property: 'change_order_ref' } },
      ),
    };
    const first = row({
      type: approved,
      business_key: 'CO-1',
      tracked_str: { project_ref: 'P-1' },
    });
    expect(flowFactOf(chained, first)?.correlation).toBe('CO-1');
    expect(flowFactOf(chained, row())?.correlation).toBe('CO-1');
    // Lineage keeps no tracked properties for a rejected message: it cannot be placed.
    expect(
      flowFactOf(chained, row({ outcome: 'rejected', business_key: '', tracked_str: {} })),
    ).toBeUndefined();
  });

  it('leaves out rows of other types and rows without a correlation value', () => {
    expect(flowFactOf(flow, row({ type: 'invoice.posted' }))).toBeUndefined();
    expect(flowFactOf(flow, row({ correlation_id: '' }))).toBeUndefined();
  });

  it('starts an instance only from first steps that meet startsWhen', () => {
    const conditional: FlowDefinition = {
      ...flow,
      startsWhen: { requires_review: ['true'], status: ['for_review', 'for_construction'] },
    };
    const first = (tracked: Record<string, string>) =>
      flowFactOf(conditional, row({ type: approved, tracked_str: tracked }));
    expect(first({ requires_review: 'true', status: 'for_review' })).toBeDefined();
    expect(first({ requires_review: 'false', status: 'for_review' })).toBeUndefined();
    expect(first({ status: 'for_review' })).toBeUndefined();
    // Later steps are not filtered: they belong to whatever instance their value names.
    expect(flowFactOf(conditional, row({ tracked_str: {} }))).toBeDefined();
  });
});

describe('deriveFlowInstance', () => {
  it('derives from step summaries exactly what deriveFlowInstances derives from the facts', () => {
    const facts = [
      fact(approved, t0, { envelopeKey: 'odoo:CO-1' }),
      fact(approved, t0 + minute, { envelopeKey: 'odoo:CO-1' }), // a repeat
      rejected(commitment, t0 + hour, 'costctl:SC-1'),
      fact(commitment, t0 + 3 * hour, { envelopeKey: 'costctl:SC-1' }), // replayed, late
      fact(billing, t0 + 4 * hour, { outcome: 'delayed', reason: 'rate_limited' }),
    ];
    for (const at of [t0 + hour, t0 + 5 * hour, t0 + 20 * hour]) {
      const [expected] = deriveFlowInstances(flow, facts, at);
      const summaries = flow.steps.map((step) =>
        summarizeFlowStep(
          facts
            .filter((f) => f.type === step.type)
            .filter(
              (f, index, all) =>
                all.findIndex((o) => o.envelopeKey === f.envelopeKey && o.outcome === f.outcome) ===
                index,
            )
            .sort((a, b) => a.time - b.time),
        ),
      );
      expect(deriveFlowInstance(flow, 'acme-us', 'co-1', summaries, at)).toEqual(expected);
    }
  });

  it('summarizes a step: first and last seen, first acceptance, distinct envelopes, last rejection', () => {
    expect(summarizeFlowStep([])).toBeUndefined();
    expect(
      summarizeFlowStep([
        fact(commitment, t0, { outcome: 'delayed', reason: 'rate_limited', envelopeKey: 'a' }),
        rejected(commitment, t0 + minute, 'b'),
        fact(commitment, t0 + 2 * minute, { envelopeKey: 'a' }),
        fact(commitment, t0 + 3 * minute, { envelopeKey: 'c' }),
        { ...rejected(commitment, t0 + 4 * minute, 'd', 'ownership_violation'), deadLetterSeq: 42 },
      ]),
    ).toEqual({
      firstSeenAt: t0,
      lastSeenAt: t0 + 4 * minute,
      firstAcceptedAt: t0 + 2 * minute,
      firstAcceptedKey: 'a',
      accepted: 2,
      rejected: 2,
      lastRejection: {
        envelopeKey: 'd',
        reason: 'ownership_violation',
        at: t0 + 4 * minute,
        seq: 42,
      },
    });
  });

  it('names the dead letter by its DEADLETTER sequence when lineage has it', () => {
    const dead = flowFactOf(flow, {
      type: commitment,
      outcome: 'rejected',
      reason: 'schema_violation',
      envelope_key: 'costctl:SC-9',
      tenant: 'acme-us',
      correlation_id: 'co-9',
      business_key: '',
      tracked_str: {},
      event_time: t0,
      received_at: t0,
      output_stream: 'DEADLETTER',
      output_seq: 77,
    });
    expect(dead?.deadLetterSeq).toBe(77);
    const instance = only([fact(approved, t0, { correlation: 'co-9' }), dead!], t0 + minute);
    expect(instance.deadLetter).toMatchObject({ envelopeKey: 'costctl:SC-9', seq: 77 });
  });
});

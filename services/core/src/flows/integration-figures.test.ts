import { describe, expect, it } from 'vitest';
import type { FlowDefinition } from './flow-definition';
import { flowFreshness, successRate, throughputPerSecond } from './integration-figures';

const minute = 60_000;
const now = Date.parse('2026-05-04T10:00:00Z');

const flow = (id: string, types: string[]): FlowDefinition => ({
  id,
  title: id,
  description: '',
  owner: 'Test',
  sla: '1d',
  slaMs: 86_400_000,
  clock: 'received',
  startsWhen: {},
  steps: types.map((type, index) => ({
    index,
    type,
    title: type,
    sla: undefined,
    slaMs: undefined,
    correlation: { by: 'correlation_id' },
  })),
});

describe('successRate and throughputPerSecond', () => {
  it('leave delays out and say null when nothing was decided', () => {
    expect(successRate({ accepted: 90, rejected: 10, delayed: 500 })).toBe(0.9);
    expect(successRate({ accepted: 0, rejected: 0, delayed: 3 })).toBeNull();
    expect(throughputPerSecond({ accepted: 90, rejected: 10, delayed: 7 }, 50_000)).toBe(2);
    expect(throughputPerSecond({ accepted: 1, rejected: 0, delayed: 0 }, 0)).toBe(0);
  });
});

describe('flowFreshness', () => {
  const expectations = {
    odoo: { expectedEvery: '15m', expectedEveryMs: 15 * minute },
    costctl: { expectedEvery: '1h', expectedEveryMs: 60 * minute },
  };
  const activity = [
    { source: 'odoo', type: 'change_order.approved', lastReceivedAt: now - 5 * minute },
    { source: 'odoo', type: 'invoice.posted', lastReceivedAt: now - minute },
    { source: 'costctl', type: 'commitment.updated', lastReceivedAt: now - 2 * 60 * minute },
    { source: 'payroll', type: 'timesheet.approved', lastReceivedAt: now - 3 * 86_400_000 },
  ];

  it('gives each flow its last step and the stale sources among those sending its steps', () => {
    const [changeOrders, timesheets, unseen] = flowFreshness(
      [
        flow('change-orders', ['change_order.approved', 'commitment.updated']),
        flow('timesheets', ['timesheet.approved', 'invoice.posted']),
        flow('opportunities', ['opportunity.won']),
      ],
      activity,
      expectations,
      now,
    );
    expect(changeOrders).toMatchObject({
      flowId: 'change-orders',
      lastSeenAt: now - 5 * minute,
      silentForMs: 5 * minute,
      stale: true,
    });
    expect(changeOrders?.staleSources.map((source) => source.source)).toEqual(['costctl']);
    // payroll has no expectation: never stale; odoo (invoices) sent a minute ago.
    expect(timesheets).toMatchObject({ lastSeenAt: now - minute, staleSources: [], stale: false });
    expect(unseen).toMatchObject({ lastSeenAt: undefined, silentForMs: undefined, stale: true });
  });
});

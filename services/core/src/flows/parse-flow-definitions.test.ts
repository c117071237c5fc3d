import flowSchema from '@plumbline/schemas/policies/flow.json' with { type: 'json' };
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PolicyFileText } from '../policies/load-policy-set';
import { formatPolicyProblem } from '../policies/parse-policy-file';
import { durationPattern } from './duration';
import type { FlowDefinition } from './flow-definition';
import { parseFlowDefinitions } from './parse-flow-definitions';

function repoRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'turbo.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('no turbo.json above the test file');
    dir = parent;
  }
  return dir;
}

const root = repoRoot();
const flowsDir = join(root, 'policies', 'flows');
const repoFlows = (): PolicyFileText[] =>
  readdirSync(flowsDir)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => ({ name: `flows/${name}`, text: readFileSync(join(flowsDir, name), 'utf8') }));
const lines = (...text: string[]) => `${text.join('\n')}\n`;

const flowsOf = (files: readonly PolicyFileText[]): readonly FlowDefinition[] => {
  const result = parseFlowDefinitions(files);
  if (!result.ok) throw new Error(result.problems.map(formatPolicyProblem).join('\n'));
  return result.value;
};
const problemLines = (files: readonly PolicyFileText[]): string[] => {
  const result = parseFlowDefinitions(files);
  if (result.ok) throw new Error('expected problems');
  return result.problems.map(formatPolicyProblem);
};

const minimal = (id = 'quote-to-order', ...extra: string[]) =>
  lines(
    `id: ${id}`,
    'title: Quote to order',
    'owner: Sales',
    'sla: 2d',
    ...extra,
    'steps:',
    '  - type: quote.sent',
    '  - type: order.booked',
    '    sla: 1d',
  );

describe('parseFlowDefinitions', () => {
  it('loads the repository flows', () => {
    const flows = flowsOf(repoFlows());
    expect(flows.map((flow) => [flow.id, flow.steps.map((step) => step.type)])).toEqual([
      ['change-order-billing', ['change_order.approved', 'commitment.updated', 'billing.adjusted']],
      ['document-procurement-review', ['document_revision.issued', 'procurement_review.completed']],
      ['opportunity-staffing', ['opportunity.won', 'project.upserted', 'staffing.approved']],
      [
        'purchase-to-pay',
        ['purchase_order.approved', 'goods_receipt.recorded', 'vendor_bill.posted'],
      ],
      ['timesheet-invoicing', ['timesheet.approved', 'invoice.posted']],
    ]);
    const changeOrders = flows.find((flow) => flow.id === 'change-order-billing');
    expect(changeOrders).toMatchObject({
      owner: 'Commercial management',
      sla: '7d',
      slaMs: 7 * 86_400_000,
      clock: 'received',
      startsWhen: {},
    });
    expect(changeOrders?.steps[1]).toEqual({
      index: 1,
      type: 'commitment.updated',
      title: 'Commitment updated (cost control)',
      sla: '2d',
      slaMs: 2 * 86_400_000,
      correlation: { by: 'correlation_id' },
    });
    for (const flow of flows) {
      expect(flow.steps[0]?.slaMs, flow.id).toBeUndefined();
      for (const step of flow.steps.slice(1)) expect(step.slaMs, step.type).toBeGreaterThan(0);
    }
  });

  it('names only types that have a contract in schemas/contracts', () => {
    const contracts = new Set(readdirSync(join(root, 'schemas', 'contracts')));
    const types = flowsOf(repoFlows()).flatMap((flow) => flow.steps.map((step) => step.type));
    expect(types.filter((type) => !contracts.has(type))).toEqual([]);
  });

  it('keeps the duration pattern of the schema and the parser in step', () => {
    expect(flowSchema.$defs.duration.pattern).toBe(durationPattern);
  });

  it('applies defaults and resolves per-step correlation', () => {
    const text = lines(
      'id: change-orders',
      'title: Change orders',
      'owner: Commercial',
      'sla: P7D',
      'clock: event',
      'correlateBy: tracked',
      'correlationProperty: change_order_ref',
      'startsWhen:',
      "  requires_review: ['true']",
      'steps:',
      '  - type: change_order.approved',
      '    correlateBy: business_key',
      '  - type: commitment.updated',
      '    sla: PT36H',
      '  - type: billing.adjusted',
      '    correlateBy: tracked',
      '    correlationProperty: co_ref',
      '  - type: project.upserted',
      '    correlateBy: correlation_id',
    );
    const [flow] = flowsOf([{ name: 'policies/flows/change-orders.yml', text }]);
    expect(flow).toEqual({
      id: 'change-orders',
      title: 'Change orders',
      description: '',
      owner: 'Commercial',
      sla: 'P7D',
      slaMs: 7 * 86_400_000,
      clock: 'event',
      startsWhen: { requires_review: ['true'] },
      steps: [
        {
          index: 0,
          type: 'change_order.approved',
          title: 'change_order.approved',
          sla: undefined,
          slaMs: undefined,
          correlation: { by: 'business_key' },
        },
        {
          index: 1,
          type: 'commitment.updated',
          title: 'commitment.updated',
          sla: 'PT36H',
          slaMs: 36 * 3_600_000,
          correlation: { by: 'tracked', property: 'change_order_ref' },
        },
        {
          index: 2,
          type: 'billing.adjusted',
          title: 'billing.adjusted',
          sla: undefined,
          slaMs: undefined,
          correlation: { by: 'tracked', property: 'co_ref' },
        },
        {
          index: 3,
          type: 'project.upserted',
          title: 'project.upserted',
          sla: undefined,
          slaMs: undefined,
          correlation: { by: 'correlation_id' },
        },
      ],
    });
  });

  it('ignores files that are not YAML and returns the flows sorted by id', () => {
    const flows = flowsOf([
      { name: 'flows/b-flow.yaml', text: minimal('b-flow') },
      { name: 'flows/README.md', text: '# flows' },
      { name: 'flows/a-flow.yaml', text: minimal('a-flow') },
    ]);
    expect(flows.map((flow) => flow.id)).toEqual(['a-flow', 'b-flow']);
    expect(flows[0]).toMatchObject({ clock: 'received', description: '', startsWhen: {} });
    expect(flows[0]?.steps.map((step) => [step.title, step.correlation, step.slaMs])).toEqual([
      ['quote.sent', { by: 'correlation_id' }, undefined],
      ['order.booked', { by: 'correlation_id' }, 86_400_000],
    ]);
  });

  it('reports schema problems with file, line and column', () => {
    const text = lines(
      'id: quote-to-order', // 1
      'title: Quote to order', // 2
      'sla: 2 days', // 3
      'steps:', // 4
      '  - type: quote.sent', // 5
      '  - type: order.*', // 6
      '    sla: 1d', // 7
      '    correlateBy: project', // 8
    );
    expect(problemLines([{ name: 'flows/quote-to-order.yaml', text }])).toEqual([
      "flows/quote-to-order.yaml:1:1 (root) missing required key 'owner'",
      "flows/quote-to-order.yaml:3:1 /sla '2 days' is not valid. A duration: whole units in descending order, each at most once (90s, 15m, 4h, 2d, 1w, 1d12h), or ISO 8601 without years and months (PT4H, P2D, P1DT12H). At most 366 days.",
      "flows/quote-to-order.yaml:6:5 /steps/1/type 'order.*' is not valid. Exact event type (no wildcards), e.g. commitment.updated; must also match the naming policy's typePattern.",
      "flows/quote-to-order.yaml:8:5 /steps/1/correlateBy is 'project'; must be one of 'correlation_id', 'business_key', 'tracked'",
    ]);
  });

  it('needs at least two steps', () => {
    const text = lines(
      'id: solo',
      'title: Solo',
      'owner: Me',
      'sla: 1d',
      'steps:',
      '  - type: a.b',
    );
    expect(problemLines([{ name: 'solo.yaml', text }])).toEqual([
      'solo.yaml:5:1 /steps must NOT have fewer than 2 items',
    ]);
  });

  it('reports what the schema cannot say, each at its key', () => {
    const text = lines(
      'id: quote-to-cash', // 1
      'title: Quote to cash', // 2
      'owner: Sales', // 3
      'sla: 0d', // 4
      'correlationProperty: quote_ref', // 5
      'steps:', // 6
      '  - type: quote.sent', // 7
      '    sla: 1h', // 8
      '  - type: Order.Booked', // 9
      '    sla: 0s', // 10
      '  - type: quote.sent', // 11
      '    correlateBy: business_key', // 12
      '  - type: invoice.posted', // 13
      '    correlationProperty: order_ref', // 14
    );
    expect(problemLines([{ name: 'flows/quote-to-order.yaml', text }])).toEqual([
      "flows/quote-to-order.yaml:1:1 /id 'quote-to-cash' must be the file name: name the file quote-to-cash.yaml",
      "flows/quote-to-order.yaml:4:1 /sla '0d' must be longer than zero",
      "flows/quote-to-order.yaml:5:1 /correlationProperty is not read: neither the flow (correlateBy 'correlation_id') nor a step without a correlationProperty of its own correlates by 'tracked'",
      "flows/quote-to-order.yaml:8:5 /steps/0/sla the first step starts the flow and has no SLA of its own; the flow's sla covers the whole flow",
      "flows/quote-to-order.yaml:9:5 /steps/1/type 'Order.Booked' does not match the naming rule ^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$",
      "flows/quote-to-order.yaml:10:5 /steps/1/sla '0s' must be longer than zero",
      "flows/quote-to-order.yaml:11:5 /steps/2/type 'quote.sent' is already step 1; a type appears once per flow",
      "flows/quote-to-order.yaml:14:5 /steps/3/correlationProperty is read only when correlateBy is 'tracked' (here 'correlation_id')",
    ]);
  });

  it("reports a flow-wide 'tracked' without a property once, not per step", () => {
    const text = minimal('quote-to-order', 'correlateBy: tracked');
    expect(problemLines([{ name: 'quote-to-order.yaml', text }])).toEqual([
      "quote-to-order.yaml:5:1 /correlateBy 'tracked' needs correlationProperty: the tracked property to read",
    ]);
  });

  it('lets a tracked step inherit the flow correlationProperty, and needs one somewhere', () => {
    const text = lines(
      'id: orders', // 1
      'title: Orders', // 2
      'owner: Sales', // 3
      'sla: 2d', // 4
      'correlateBy: business_key', // 5
      'correlationProperty: order_ref', // 6
      'steps:', // 7
      '  - type: order.booked', // 8
      '  - type: order.shipped', // 9
      '    correlateBy: tracked', // 10
    );
    const [flow] = flowsOf([{ name: 'orders.yaml', text }]);
    expect(flow?.steps.map((step) => step.correlation)).toEqual([
      { by: 'business_key' },
      { by: 'tracked', property: 'order_ref' },
    ]);
    const withoutProperty = text.replace('correlationProperty: order_ref\n', '');
    expect(problemLines([{ name: 'orders.yaml', text: withoutProperty }])).toEqual([
      "orders.yaml:9:5 /steps/1/correlateBy 'tracked' needs correlationProperty: the tracked property to read",
    ]);
  });

  it('checks step types against the naming policy in force', () => {
    const naming = { typePattern: '^[a-z]+\\.[a-z]+$', sourcePattern: '^[a-z]+$' };
    const result = parseFlowDefinitions([{ name: 'a-b.yaml', text: minimal('a-b') }], { naming });
    expect(result.ok).toBe(true);
    const strict = { ...naming, typePattern: '^sales\\.[a-z]+$' };
    const refused = parseFlowDefinitions([{ name: 'a-b.yaml', text: minimal('a-b') }], {
      naming: strict,
    });
    expect(refused.ok ? [] : refused.problems.map((problem) => problem.pointer)).toEqual([
      '/steps/0/type',
      '/steps/1/type',
    ]);
  });

  it('refuses a flow id defined twice, naming the first file', () => {
    const problems = problemLines([
      { name: 'flows/quote-to-order.yaml', text: minimal() },
      { name: 'more/quote-to-order.yml', text: minimal() },
    ]);
    expect(problems).toEqual([
      "more/quote-to-order.yml:1:1 /id flow 'quote-to-order' is already defined in flows/quote-to-order.yaml",
    ]);
  });

  it('reports the problems of every file, not only the first', () => {
    const problems = problemLines([
      { name: 'one.yaml', text: 'id: [' },
      { name: 'two.yaml', text: minimal('two', 'colour: blue') },
      { name: 'three.yaml', text: minimal('three') },
    ]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^one\.yaml:1:\d+ YAML: /);
    expect(problems[1]).toMatch(/^two\.yaml:5:1 \/colour unknown key 'colour' \(allowed: id, /);
  });
});

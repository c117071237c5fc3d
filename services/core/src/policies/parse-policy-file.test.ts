import ownershipSchema from '@plumbline/schemas/policies/ownership.json' with { type: 'json' };
import rateLimitsSchema from '@plumbline/schemas/policies/rate-limits.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import {
  compilePolicySchema,
  formatPolicyProblem,
  locatePointer,
  parsePolicyFile,
  type PolicyProblem,
} from './parse-policy-file';

const rateLimits = compilePolicySchema(rateLimitsSchema);
const ownership = compilePolicySchema(ownershipSchema);
const lines = (...text: string[]) => `${text.join('\n')}\n`;
const problemsOf = (
  file: string,
  text: string,
  validate = rateLimits,
): readonly PolicyProblem[] => {
  const result = parsePolicyFile(file, text, validate);
  if (result.ok) throw new Error(`expected problems in ${file}`);
  return result.problems;
};

describe('parsePolicyFile', () => {
  it('returns the value with schema defaults applied', () => {
    const result = parsePolicyFile(
      'rate-limits.yaml',
      lines('rules:', "  - source: '*'", "    type: '*'", '    perSecond: 10'),
      rateLimits,
    );
    expect(result).toEqual({
      ok: true,
      value: {
        delayMs: 1_000,
        maxDelays: 10,
        rules: [{ source: '*', type: '*', perSecond: 10, action: 'delay' }],
      },
    });
  });

  it('points a schema error in a nested rule at its key', () => {
    const text = lines(
      'delayMs: 1000', // 1
      'rules:', // 2
      '  - source: odoo', // 3
      '    type: invoice.posted', // 4
      '    perSecond: 10', // 5
      '  - source: crm', // 6
      '    perSecond: 0', // 7
      '    type: opportunity.won', // 8
    );
    const problems = problemsOf('rate-limits.yaml', text);
    expect(problems).toEqual([
      {
        file: 'rate-limits.yaml',
        line: 7,
        column: 5,
        pointer: '/rules/1/perSecond',
        message: '/rules/1/perSecond must be > 0',
      },
    ]);
    expect(problems.map(formatPolicyProblem)).toEqual([
      'rate-limits.yaml:7:5 /rules/1/perSecond must be > 0',
    ]);
  });

  it('names an unknown key where it stands, with the keys allowed there', () => {
    const text = lines(
      'rules:',
      '  - source: odoo',
      '    type: invoice.posted',
      '    perSecond: 10',
      '    brust: 20',
    );
    expect(problemsOf('rate-limits.yaml', text)).toEqual([
      {
        file: 'rate-limits.yaml',
        line: 5,
        column: 5,
        pointer: '/rules/0/brust',
        message:
          "/rules/0/brust unknown key 'brust' (allowed: source, type, perSecond, burst, action)",
      },
    ]);
  });

  it('reports every schema problem at once, a missing key at its parent', () => {
    const text = lines(
      'delayMs: soon', // 1
      'rules:', // 2
      '  - source: odoo', // 3
      '    type: invoice.posted', // 4
      '    perSecond: 1', // 5
      '    action: drop', // 6
      '  - source: crm', // 7
      '    type: opportunity.>.won', // 8
    );
    expect(problemsOf('rate-limits.yaml', text).map(formatPolicyProblem)).toEqual([
      "rate-limits.yaml:1:1 /delayMs must be integer, not 'soon'",
      "rate-limits.yaml:6:5 /rules/0/action is 'drop'; must be one of 'delay', 'reject'",
      "rate-limits.yaml:7:5 /rules/1 missing required key 'perSecond'",
      expect.stringMatching(
        /^rate-limits\.yaml:8:5 \/rules\/1\/type 'opportunity\.>\.won' is not valid\. Event type or pattern/,
      ),
    ]);
  });

  it('turns a YAML syntax error into a problem with its line', () => {
    const text = lines(
      'systems:', // 1
      '  - source: odoo', // 2
      '    owns:', // 3
      '      - invoice.posted', // 4
      '     - payment.recorded', // 5: one space short
    );
    const problems = problemsOf('ownership.yaml', text, ownership);
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      expect(problem).toMatchObject({ file: 'ownership.yaml', line: 5, pointer: '' });
      expect(problem.message).toMatch(/^YAML: /);
    }
  });

  it('places an unclosed flow sequence where the parser gives up', () => {
    const text = lines('maxBytes: 1024', 'overrides: [', '  - type: x');
    const problems = problemsOf('payload.yaml', text);
    expect(problems[0]).toMatchObject({ file: 'payload.yaml', line: 3 });
    expect(problems[0]?.message).toBe(
      'YAML: Block collections are not allowed within flow collections',
    );
  });

  it('refuses a duplicate key at the second occurrence', () => {
    const text = lines('unowned: reject', 'systems: []', 'unowned: allow');
    expect(problemsOf('ownership.yaml', text, ownership)).toEqual([
      {
        file: 'ownership.yaml',
        line: 3,
        column: 1,
        pointer: '',
        message: 'YAML: Map keys must be unique',
      },
    ]);
  });

  it('says so when a file is empty', () => {
    expect(problemsOf('ownership.yaml', '# nothing yet\n', ownership)).toEqual([
      {
        file: 'ownership.yaml',
        line: 1,
        column: 1,
        pointer: '',
        message: '(root) is empty; expected a mapping of settings',
      },
    ]);
  });
});

describe('locatePointer', () => {
  const text = lines('systems:', '  - source: odoo', '    owns:', '      - a.b', '      - c.d');

  it('finds keys, sequence items and the nearest existing parent', () => {
    expect(locatePointer(text, '/systems/0/owns/1')).toEqual({ line: 5, column: 9 });
    expect(locatePointer(text, '/systems/0/source')).toEqual({ line: 2, column: 5 });
    expect(locatePointer(text, '/systems/0/description')).toEqual({ line: 2, column: 5 });
    expect(locatePointer(text, '')).toEqual({ line: 1, column: 1 });
  });
});

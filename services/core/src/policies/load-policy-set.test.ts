import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPolicySet, loadPolicySet, type PolicyFileText } from './load-policy-set';
import { formatPolicyProblem } from './parse-policy-file';

function repoRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'turbo.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('no turbo.json above the test file');
    dir = parent;
  }
  return dir;
}

const policiesDir = join(repoRoot(), 'policies');
const repoFiles = (): PolicyFileText[] =>
  readdirSync(policiesDir)
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => ({ name, text: readFileSync(join(policiesDir, name), 'utf8') }));
const replace = (name: string, text: string): PolicyFileText[] =>
  repoFiles().map((file) => (file.name === name ? { name, text } : file));
const lines = (...text: string[]) => `${text.join('\n')}\n`;
const problemLines = (files: readonly PolicyFileText[]): string[] => {
  const result = loadPolicySet(files);
  if (result.ok) throw new Error('expected problems');
  return result.problems.map(formatPolicyProblem);
};

describe('loadPolicySet', () => {
  it('loads the repository policies with defaults applied', () => {
    const result = loadPolicySet(repoFiles());
    if (!result.ok) throw new Error(result.problems.map(formatPolicyProblem).join('\n'));
    const { ownership, rateLimits, payload, naming } = result.value;
    expect(ownership.unowned).toBe('reject');
    expect(ownership.systems.map((system) => system.source)).toEqual([
      'odoo',
      'costctl',
      'scheduler',
      'doccontrol',
      'fieldservice',
      'payroll',
      'crm',
    ]);
    expect(ownership.systems.find((system) => system.source === 'odoo')?.owns).toContain(
      'change_order.approved',
    );
    expect(rateLimits).toMatchObject({ delayMs: 1_000, maxDelays: 10 });
    expect(rateLimits.rules).toContainEqual({
      source: 'fieldservice',
      type: '*',
      perSecond: 200,
      burst: 200,
      action: 'delay',
    });
    expect(rateLimits.rules).toContainEqual({
      source: 'crm',
      type: 'opportunity.won',
      perSecond: 50,
      burst: 100,
      action: 'reject',
    });
    expect(payload).toEqual({
      maxBytes: 262_144,
      overrides: [{ type: 'document_revision.issued', maxBytes: 1_048_576 }],
    });
    expect(naming).toEqual(defaultPolicySet.naming);
  });

  it('recognises files by base name, .yml too, and ignores unrelated files', () => {
    const files = repoFiles().map((file) =>
      file.name === 'naming.yaml' ? { ...file, name: 'policies/naming.yml' } : file,
    );
    const result = loadPolicySet([
      ...files,
      { name: 'kpis.yaml', text: 'not: [valid' },
      { name: 'flows/change-order.yaml', text: '{{{' },
      { name: 'README.md', text: '# policies' },
    ]);
    expect(result.ok).toBe(true);
  });

  it('points a schema error at its line and column', () => {
    const text = lines(
      'delayMs: 1000',
      'maxDelays: 10',
      'rules:',
      '  - source: odoo',
      '    type: invoice.posted',
      '    perSecond: -5',
    );
    expect(loadPolicySet(replace('rate-limits.yaml', text))).toEqual({
      ok: false,
      problems: [
        {
          file: 'rate-limits.yaml',
          line: 6,
          column: 5,
          pointer: '/rules/0/perSecond',
          message: '/rules/0/perSecond must be > 0',
        },
      ],
    });
  });

  it('collects problems from every file and names missing files', () => {
    const files = repoFiles()
      .filter((file) => file.name !== 'ownership.yaml')
      .map((file) =>
        file.name === 'payload.yaml' ? { ...file, text: 'maxBytes: 10\ncolour: blue\n' } : file,
      );
    expect(problemLines(files)).toEqual([
      'ownership.yaml:1:1 missing policy file ownership.yaml',
      'payload.yaml:1:1 /maxBytes must be >= 1024',
      "payload.yaml:2:1 /colour unknown key 'colour' (allowed: maxBytes, overrides)",
    ]);
  });

  it('refuses two files of the same kind', () => {
    const files = [...repoFiles(), { name: 'naming.yml', text: 'typePattern: x\n' }];
    expect(problemLines(files)).toEqual([
      'naming.yml:1:1 duplicate policy file: naming.yaml is read already',
    ]);
  });

  it('refuses a type with two systems of record, at the second claim', () => {
    const text = lines(
      'systems:', // 1
      '  - source: odoo', // 2
      '    owns: [invoice.posted, change_order.*]', // 3
      '  - source: costctl', // 4
      '    owns:', // 5
      '      - invoice.posted', // 6
      '      - change_order.approved', // 7: more specific than change_order.*: fine
      '      - "*.approved"', // 8: as specific as change_order.*, and overlaps it
    );
    expect(problemLines(replace('ownership.yaml', text))).toEqual([
      'ownership.yaml:6:9 invoice.posted is claimed by both odoo and costctl; a type has one system of record',
      'ownership.yaml:8:9 *.approved (costctl) and change_order.* (odoo) match some of the same types equally specifically; a type has one system of record, so name the contested types exactly',
    ]);
  });

  it('refuses rate limit rules that tie for the same messages', () => {
    const text = lines(
      'rules:', // 1
      '  - { source: odoo, type: "invoice.*", perSecond: 5 }', // 2
      '  - { source: odoo, type: "*.posted", perSecond: 9 }', // 3
      '  - { source: crm, type: "*.posted", perSecond: 9 }', // 4
    );
    expect(problemLines(replace('rate-limits.yaml', text))).toEqual([
      'rate-limits.yaml:3:5 /rules/1 (source odoo, type *.posted) ties with /rules/0 for the same messages; make one more specific or remove it',
    ]);
  });

  it('refuses naming patterns that are not regular expressions', () => {
    const text = lines('typePattern: "([a-z"', 'sourcePattern: "^[a-z]+$"');
    const [first, ...rest] = problemLines(replace('naming.yaml', text));
    expect(rest).toEqual([]);
    expect(first).toMatch(
      /^naming\.yaml:1:1 \/typePattern is not a valid regular expression: .*Unterminated/,
    );
  });

  it('checks the names used in the other files against the naming rules', () => {
    const ownership = lines(
      'unowned: reject',
      'systems:',
      '  - source: Field_Service',
      '    owns: [WorkOrder.Completed, "work_order.>"]',
    );
    const payload = lines(
      'maxBytes: 262144',
      'overrides:',
      '  - { type: invoice, maxBytes: 2048 }',
    );
    const files = replace('ownership.yaml', ownership).map((file) =>
      file.name === 'payload.yaml' ? { ...file, text: payload } : file,
    );
    expect(problemLines(files)).toEqual([
      "ownership.yaml:3:5 /systems/0/source source 'Field_Service' does not match the naming rule ^[a-z][a-z0-9-]{1,39}$",
      "ownership.yaml:4:12 /systems/0/owns/0 type 'WorkOrder.Completed' does not match the naming rule ^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$",
      "payload.yaml:3:7 /overrides/0/type type 'invoice' does not match the naming rule ^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$",
    ]);
  });

  it('offers safe defaults that allow everything', () => {
    expect(defaultPolicySet.ownership).toEqual({ systems: [], unowned: 'allow' });
    expect(defaultPolicySet.rateLimits.rules).toEqual([]);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicySet } from './load-policy-set';

const dir = join(import.meta.dirname, '../../../../policies');
const repoFiles = () =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
const replace = (name: string, text: string) =>
  repoFiles().map((file) => (file.name === name ? { name, text } : file));

describe('loadPolicySet', () => {
  it('loads the repository policies with defaults applied', () => {
    const result = loadPolicySet(repoFiles());
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.value.ownership.unowned).toBe('reject');
    expect(result.value.ownership.systems.map((system) => system.source)).toContain('odoo');
    expect(
      result.value.rateLimits.rules.every((rule) => rule.burst >= 1 && rule.action !== undefined),
    ).toBe(true);
    expect(result.value.payload.maxBytes).toBe(262_144);
  });

  it('points a schema error at its line and column', () => {
    const text = [
      'delayMs: 1000',
      'maxDelays: 10',
      'rules:',
      '  - source: odoo',
      '    type: invoice.posted',
      '    perSecond: -5',
      '',
    ].join('\n');
    const result = loadPolicySet(replace('rate-limits.yaml', text));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      {
        file: 'rate-limits.yaml',
        line: 6,
        column: 5,
        pointer: '/rules/0/perSecond',
        message: '/rules/0/perSecond must be > 0',
      },
    ]);
  });

  it('names an unknown key where it stands', () => {
    const text = ['typePattern: "^[a-z.]+$"', 'sourcePattern: "^[a-z]+$"', 'colour: blue', ''].join(
      '\n',
    );
    const result = loadPolicySet(replace('naming.yaml', text));
    expect(!result.ok && result.problems).toEqual([
      {
        file: 'naming.yaml',
        line: 3,
        column: 1,
        pointer: '/colour',
        message: "/colour unknown key 'colour'",
      },
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const result = loadPolicySet(
      replace('payload.yaml', 'maxBytes: 1024\noverrides: [\n  - type: x\n'),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]?.file).toBe('payload.yaml');
    expect(result.problems[0]?.line).toBeGreaterThan(1);
    expect(result.problems[0]?.message).toMatch(/^YAML: /);
  });

  it('collects problems from every file and names missing files', () => {
    const files = repoFiles().filter((file) => file.name !== 'ownership.yaml');
    const broken = files.map((file) =>
      file.name === 'payload.yaml' ? { ...file, text: 'maxBytes: 10\n' } : file,
    );
    const result = loadPolicySet(broken);
    expect(!result.ok && result.problems.map((problem) => problem.file).sort()).toEqual([
      'ownership.yaml',
      'payload.yaml',
    ]);
  });

  it('refuses a type with two systems of record and a pattern that is not a regular expression', () => {
    const ownership =
      'systems:\n  - source: odoo\n    owns: [invoice.posted]\n  - source: costctl\n    owns: [invoice.posted]\n';
    const result = loadPolicySet(replace('ownership.yaml', ownership));
    expect(!result.ok && result.problems[0]?.message).toMatch(/claimed by both odoo and costctl/);
    const naming = loadPolicySet(
      replace('naming.yaml', 'typePattern: "([a-z"\nsourcePattern: "^[a-z]+$"\n'),
    );
    expect(!naming.ok && naming.problems[0]?.message).toMatch(/not a valid regular expression/);
  });
});

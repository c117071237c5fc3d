import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, PlumblineError, loadPolicySet, type PolicySet } from '@plumbline/core';

/**
 * Reads the policy YAML files in `dir` and validates them together. Fails with every problem,
 * each as `file:line:column message`.
 */
export async function readPolicyFiles(dir: string): Promise<PolicySet> {
  const names = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  const files = await Promise.all(
    names.map(async (name) => ({ name, text: await readFile(join(dir, name), 'utf8') })),
  );
  const result = loadPolicySet(files);
  if (result.ok) return result.value;
  const lines = result.problems.map(
    (problem) => `${join(dir, problem.file)}:${problem.line}:${problem.column} ${problem.message}`,
  );
  throw new PlumblineError(
    ErrorCode.InvalidPolicy,
    `invalid policies:\n  - ${lines.join('\n  - ')}`,
    {
      details: { problems: result.problems },
    },
  );
}

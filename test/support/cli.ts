import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './repo';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `plumbline …` as a user would, with `env` over this process's environment (a value of
 * undefined removes the variable); resolves with the exit code instead of throwing.
 */
export async function runCli(
  env: Readonly<Record<string, string | undefined>>,
  ...args: string[]
): Promise<CliResult> {
  const merged: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete merged[name];
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(repoRoot(), 'services/cli/src/main.ts'), ...args],
      { cwd: repoRoot(), env: merged },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ErrorCode,
  PlumblineError,
  contractUri,
  type ContractSubject,
  type JsonSchema,
} from '@plumbline/core';

export interface ContractFile {
  readonly path: string;
  readonly type: string;
  readonly version: number;
  readonly schema: JsonSchema;
}

export interface ContractFiles {
  readonly subjects: readonly ContractSubject[];
  readonly versions: readonly ContractFile[];
}

/**
 * Reads `schemas/contracts/<type>/subject.json` and `v<N>.json` files. Every problem names its
 * file; all are collected before failing.
 */
export async function readContractFiles(dir: string): Promise<ContractFiles> {
  const subjects: ContractSubject[] = [];
  const versions: ContractFile[] = [];
  const problems: string[] = [];
  const types = (await readdir(dir, { withFileTypes: true })).filter((entry) =>
    entry.isDirectory(),
  );
  for (const { name: type } of types) {
    for (const file of (await readdir(join(dir, type))).sort()) {
      const path = join(dir, type, file);
      if (!file.endsWith('.json')) continue;
      let value: unknown;
      try {
        value = JSON.parse(await readFile(path, 'utf8'));
      } catch (error) {
        problems.push(`${path}: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      if (file === 'subject.json') {
        const subject = value as ContractSubject;
        if (subject.type !== type) problems.push(`${path}: "type" must be "${type}"`);
        else subjects.push(subject);
        continue;
      }
      const match = /^v([1-9][0-9]*)\.json$/.exec(file);
      if (match?.[1] === undefined) {
        problems.push(`${path}: expected subject.json or v<N>.json`);
        continue;
      }
      const version = Number(match[1]);
      const schema = value as JsonSchema;
      const id = typeof schema === 'object' ? schema.$id : undefined;
      if (id !== contractUri(type, version)) {
        problems.push(`${path}: "$id" must be "${contractUri(type, version)}"`);
        continue;
      }
      versions.push({ path, type, version, schema });
    }
  }
  if (problems.length > 0) {
    throw new PlumblineError(
      ErrorCode.InvalidContract,
      `invalid contract files:\n  - ${problems.join('\n  - ')}`,
      {
        details: { problems },
      },
    );
  }
  return { subjects, versions };
}

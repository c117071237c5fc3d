import {
  ErrorCode,
  LifecycleState,
  PlumblineError,
  fingerprintSchema,
  type ContractRegistry,
  type ContractValidators,
} from '@plumbline/core';
import type { ContractStore } from '../nats/contract-store';
import type { ContractFiles } from './contract-files';

export interface SyncReport {
  readonly registered: readonly string[];
  readonly unchanged: readonly string[];
  readonly subjects: number;
}

/**
 * GitOps load of `schemas/contracts` into the registry bucket. Idempotent: an unchanged version
 * is left alone; a registered version whose file changed is refused (versions are immutable:
 * add v<N+1> instead). Lifecycle state in the registry is never reset by a sync.
 */
export async function syncContracts(
  files: ContractFiles,
  store: ContractStore,
  current: ContractRegistry,
  validators: ContractValidators,
  now: () => Date = () => new Date(),
): Promise<SyncReport> {
  const problems: string[] = [];
  const pending = files.versions.map((file) => ({
    file,
    fingerprint: fingerprintSchema(file.schema),
  }));
  for (const { file, fingerprint } of pending) {
    const existing = current.version(file.type, file.version);
    if (existing !== undefined && existing.fingerprint !== fingerprint) {
      problems.push(
        `${file.path}: ${file.type} v${file.version} is registered with different content; versions are immutable, add v${file.version + 1}`,
      );
    }
    const invalid = validators.check(file.schema);
    if (invalid !== undefined) problems.push(`${file.path}: not a valid schema: ${invalid}`);
  }
  if (problems.length > 0) {
    throw new PlumblineError(
      ErrorCode.InvalidContract,
      `contract sync refused:\n  - ${problems.join('\n  - ')}`,
      {
        details: { problems },
      },
    );
  }
  const registered: string[] = [];
  const unchanged: string[] = [];
  for (const subject of files.subjects) {
    const existing = current.subject(subject.type);
    if (JSON.stringify(existing) !== JSON.stringify(subject)) await store.putSubject(subject);
  }
  for (const { file, fingerprint } of pending) {
    const name = `${file.type} v${file.version}`;
    if (current.version(file.type, file.version) !== undefined) {
      unchanged.push(name);
      continue;
    }
    await store.putVersion({
      type: file.type,
      version: file.version,
      schema: file.schema,
      fingerprint,
      state: LifecycleState.Active,
      registeredAt: now().toISOString(),
    });
    registered.push(name);
  }
  return { registered, unchanged, subjects: files.subjects.length };
}

import { LifecycleState, type ContractSubject, type ContractVersion } from './contract';

interface SubjectEntry {
  subject: ContractSubject | undefined;
  readonly versions: Map<number, ContractVersion>;
}

/**
 * In-memory view of the registry, kept current by a KV watcher in each worker.
 * Pure: holds values, answers questions, does no I/O.
 */
export class ContractRegistry {
  readonly #subjects = new Map<string, SubjectEntry>();
  #revision = 0;

  putSubject(subject: ContractSubject): void {
    this.#entry(subject.type).subject = subject;
    this.#revision += 1;
  }

  putVersion(version: ContractVersion): void {
    this.#entry(version.type).versions.set(version.version, version);
    this.#revision += 1;
  }

  removeVersion(type: string, version: number): void {
    this.#subjects.get(type)?.versions.delete(version);
    this.#revision += 1;
  }

  /** Bumped on every change: lets callers notice that the registry moved. */
  get revision(): number {
    return this.#revision;
  }

  subject(type: string): ContractSubject | undefined {
    return this.#subjects.get(type)?.subject;
  }

  version(type: string, version: number): ContractVersion | undefined {
    return this.#subjects.get(type)?.versions.get(version);
  }

  /** All versions of a subject, oldest first. */
  versions(type: string): ContractVersion[] {
    const entry = this.#subjects.get(type);
    if (entry === undefined) return [];
    return [...entry.versions.values()].sort((a, b) => a.version - b.version);
  }

  types(): string[] {
    return [...this.#subjects.keys()].sort();
  }

  /** The version producers get when they name none: the newest that is active or deprecated. */
  latestUsable(type: string): ContractVersion | undefined {
    const usable = this.versions(type).filter(
      (v) => v.state === LifecycleState.Active || v.state === LifecycleState.Deprecated,
    );
    return usable.at(-1);
  }

  #entry(type: string): SubjectEntry {
    let entry = this.#subjects.get(type);
    if (entry === undefined) {
      entry = { subject: undefined, versions: new Map() };
      this.#subjects.set(type, entry);
    }
    return entry;
  }
}

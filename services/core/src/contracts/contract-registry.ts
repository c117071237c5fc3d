import {
  LifecycleState,
  defaultRegistryConfig,
  type ContractSubject,
  type ContractVersion,
  type RegistryConfig,
} from './contract';

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
  readonly #byUri = new Map<string, ContractVersion>();
  #config: RegistryConfig = defaultRegistryConfig;
  #revision = 0;

  get config(): RegistryConfig {
    return this.#config;
  }

  putConfig(config: RegistryConfig): void {
    this.#config = config;
    this.#revision += 1;
  }

  /** The version whose `$id` is `uri`, for `$ref`s between contracts. */
  byUri(uri: string): ContractVersion | undefined {
    return this.#byUri.get(uri);
  }

  putSubject(subject: ContractSubject): void {
    this.#entry(subject.type).subject = subject;
    this.#revision += 1;
  }

  putVersion(version: ContractVersion): void {
    this.#entry(version.type).versions.set(version.version, version);
    const id = typeof version.schema === 'object' ? version.schema.$id : undefined;
    if (typeof id === 'string') this.#byUri.set(id, version);
    this.#revision += 1;
  }

  removeVersion(type: string, version: number): void {
    const removed = this.#subjects.get(type)?.versions.get(version);
    const id =
      removed !== undefined && typeof removed.schema === 'object' ? removed.schema.$id : undefined;
    if (typeof id === 'string') this.#byUri.delete(id);
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

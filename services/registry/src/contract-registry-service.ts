import {
  ErrorCode,
  LifecycleState,
  PlumblineError,
  contractUri,
  diffSchemas,
  fingerprintSchema,
  planRegistration,
  readAnnotations,
  type Actor,
  type CompatibilityMode,
  type CompatibilityResult,
  type ContractRegistry,
  type ContractSubject,
  type ContractValidators,
  type ContractVersion,
  type JsonSchema,
  type LintFinding,
  type RegistrationPlan,
} from '@plumbline/core';
import type { AuditLog, ClickHouseStore, ContractStore } from '@plumbline/platform';

export type { Actor };

export interface RegistryServiceDeps {
  readonly contracts: ContractStore;
  /** The live view of the registry bucket (kept current by a KV mirror). */
  readonly registry: ContractRegistry;
  readonly validators: ContractValidators;
  readonly audit: AuditLog;
  readonly lineage: ClickHouseStore;
  readonly now?: () => Date;
}

export interface RegisterOptions {
  readonly reason?: string;
  /** Metadata for a subject registered for the first time (domain is required then). */
  readonly subject?: Partial<Omit<ContractSubject, 'type'>>;
  /** Register as a draft: mutable, not usable by producers until activated. */
  readonly draft?: boolean;
}

export interface RegisterResult {
  readonly outcome: 'registered' | 'existing';
  readonly version: ContractVersion;
  readonly lint: readonly LintFinding[];
  readonly compatibility?: CompatibilityResult;
}

export interface UsageRow {
  readonly source: string;
  readonly version: number;
  /** Every envelope that named the version, whatever became of it. */
  readonly envelopes: number;
  readonly accepted: number;
  /** Accepted while the version was deprecated. */
  readonly deprecated: number;
  readonly lastSeen: string;
}

/** Allowed lifecycle moves. Retired can come back only as deprecated (a deliberate, audited step). */
const transitions: Record<string, readonly string[]> = {
  draft: ['active'],
  active: ['deprecated', 'retired'],
  deprecated: ['active', 'retired'],
  retired: ['deprecated'],
};

/**
 * The contract registry's operations for API owners: register and evolve contracts under a
 * compatibility mode, move versions through their lifecycle, and see who still sends what.
 * Every change is written to the KV bucket (which every worker watches) and to the audit log.
 */
export class ContractRegistryService {
  readonly #now: () => Date;

  constructor(private readonly deps: RegistryServiceDeps) {
    this.#now = deps.now ?? (() => new Date());
  }

  listSubjects(filter: { search?: string; domain?: string; tag?: string } = {}) {
    const search = filter.search?.toLowerCase();
    return this.deps.registry
      .types()
      .map((type) => ({
        type,
        subject: this.deps.registry.subject(type),
        versions: this.deps.registry.versions(type),
      }))
      .filter(({ type, subject }) => {
        if (filter.domain !== undefined && subject?.domain !== filter.domain) return false;
        if (filter.tag !== undefined && !(subject?.tags ?? []).includes(filter.tag)) return false;
        if (search === undefined) return true;
        return [type, subject?.description, subject?.ownerTeam, ...(subject?.tags ?? [])].some(
          (text) => text?.toLowerCase().includes(search) === true,
        );
      })
      .map(({ type, subject, versions }) => ({
        type,
        domain: subject?.domain ?? '',
        description: subject?.description ?? '',
        ownerTeam: subject?.ownerTeam ?? '',
        systemOfRecord: subject?.systemOfRecord ?? '',
        tags: subject?.tags ?? [],
        compatibility: subject?.compatibility ?? this.deps.registry.config.compatibility,
        lenient: subject?.lenient === true,
        latestVersion: versions.at(-1)?.version ?? 0,
        versions: versions.map(({ version, state, sunset }) => ({
          version,
          state,
          ...(sunset === undefined ? {} : { sunset }),
        })),
      }));
  }

  getSubject(type: string) {
    const subject = this.deps.registry.subject(type);
    const versions = this.deps.registry.versions(type);
    if (subject === undefined && versions.length === 0) throw notFound(type);
    return {
      type,
      ...subject,
      compatibility: subject?.compatibility ?? this.deps.registry.config.compatibility,
      versions: versions.map(({ schema: _schema, ...summary }) => summary),
    };
  }

  /** The subject's registry domain; undefined for a subject not registered yet. */
  domainOf(type: string): string | undefined {
    return this.deps.registry.subject(type)?.domain;
  }

  /**
   * Every field any registered version of `type` marks `x-sensitive`; undefined when `type` has
   * no registered version (nobody can say what is sensitive then).
   */
  sensitiveFields(type: string): ReadonlySet<string> | undefined {
    const versions = this.deps.registry.versions(type);
    if (versions.length === 0) return undefined;
    return new Set(versions.flatMap((version) => [...readAnnotations(version.schema).sensitive]));
  }

  getVersion(type: string, version: number): ContractVersion {
    const found = this.deps.registry.version(type, version);
    if (found === undefined) throw notFound(type, version);
    return found;
  }

  /** What registering would do, without doing it. */
  test(type: string, schema: JsonSchema): RegistrationPlan {
    return planRegistration(this.deps.registry, this.deps.validators, type, schema);
  }

  async register(
    type: string,
    schema: JsonSchema,
    actor: Actor,
    options: RegisterOptions = {},
  ): Promise<RegisterResult> {
    let subject = this.deps.registry.subject(type);
    if (subject === undefined) {
      if (options.subject?.domain === undefined) {
        throw new PlumblineError(
          ErrorCode.BadRequest,
          `${type} is a new subject: give its domain (and owner) with the first registration`,
        );
      }
      subject = { ...options.subject, domain: options.subject.domain, type };
      await this.deps.contracts.putSubject(subject);
      this.deps.registry.putSubject(subject);
      await this.#audit(actor, 'subject.create', type, undefined, subject, options.reason);
    }
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const plan = this.test(type, schema);
      if (plan.kind === 'existing')
        return { outcome: 'existing', version: plan.version, lint: plan.lint };
      if (plan.kind === 'refused') throw refusal(type, plan);
      const latest = this.deps.registry.versions(type).at(-1);
      // A draft stays mutable: registering again replaces it instead of adding a version.
      const replacesDraft = latest?.state === LifecycleState.Draft;
      const number = replacesDraft ? latest.version : plan.version;
      const body: JsonSchema =
        typeof plan.schema === 'object'
          ? { ...plan.schema, $id: contractUri(type, number) }
          : plan.schema;
      const version: ContractVersion = {
        type,
        version: number,
        schema: body,
        fingerprint: fingerprintSchema(body),
        state: options.draft === true ? LifecycleState.Draft : LifecycleState.Active,
        registeredAt: this.#now().toISOString(),
      };
      if (replacesDraft) await this.deps.contracts.putVersion(version);
      else if (!(await this.deps.contracts.createVersion(version))) {
        await new Promise((resolve) => setTimeout(resolve, 100)); // another writer took the number
        continue;
      }
      this.deps.registry.putVersion(version);
      await this.#audit(
        actor,
        'contract.register',
        `${type}/v${number}`,
        replacesDraft ? { fingerprint: latest.fingerprint } : undefined,
        { fingerprint: version.fingerprint, state: version.state, mode: plan.mode },
        options.reason,
      );
      return { outcome: 'registered', version, lint: plan.lint, compatibility: plan.compatibility };
    }
    throw new PlumblineError(
      ErrorCode.Conflict,
      `${type}: concurrent registrations kept taking the next version number; try again`,
      { retryable: true },
    );
  }

  diff(type: string, from: number, to: number) {
    return diffSchemas(this.getVersion(type, from).schema, this.getVersion(type, to).schema, {
      lenient: this.deps.registry.subject(type)?.lenient === true,
      resolveExternalRef: (uri) => this.deps.registry.byUri(uri)?.schema,
    });
  }

  async setCompatibility(
    type: string,
    settings: { compatibility?: CompatibilityMode; lenient?: boolean },
    actor: Actor,
    reason?: string,
  ) {
    const subject = this.deps.registry.subject(type);
    if (subject === undefined) throw notFound(type);
    const updated: ContractSubject = { ...subject, ...settings };
    await this.deps.contracts.putSubject(updated);
    this.deps.registry.putSubject(updated);
    await this.#audit(actor, 'subject.compatibility', type, pick(subject), pick(updated), reason);
    return updated;
  }

  async updateSubject(
    type: string,
    patch: Partial<Omit<ContractSubject, 'type' | 'compatibility' | 'lenient'>>,
    actor: Actor,
    reason?: string,
  ) {
    const subject = this.deps.registry.subject(type);
    if (subject === undefined) throw notFound(type);
    const updated: ContractSubject = { ...subject, ...patch, type };
    await this.deps.contracts.putSubject(updated);
    this.deps.registry.putSubject(updated);
    await this.#audit(actor, 'subject.update', type, subject, updated, reason);
    return updated;
  }

  async setLifecycle(
    type: string,
    versionNumber: number,
    state: 'active' | 'deprecated' | 'retired',
    actor: Actor,
    options: { sunset?: string; reason?: string } = {},
  ) {
    const version = this.getVersion(type, versionNumber);
    if (version.state !== state && !(transitions[version.state] ?? []).includes(state)) {
      throw new PlumblineError(
        ErrorCode.Conflict,
        `${type} v${versionNumber} is ${version.state}; it cannot become ${state}`,
      );
    }
    if (
      state === 'deprecated' &&
      options.sunset !== undefined &&
      Number.isNaN(Date.parse(options.sunset))
    ) {
      throw new PlumblineError(
        ErrorCode.BadRequest,
        `sunset '${options.sunset}' is not a date (use YYYY-MM-DD)`,
      );
    }
    const { sunset: _previous, ...rest } = version;
    const updated: ContractVersion = {
      ...rest,
      state,
      ...(state === 'deprecated' && options.sunset !== undefined ? { sunset: options.sunset } : {}),
    };
    await this.deps.contracts.putVersion(updated);
    this.deps.registry.putVersion(updated);
    await this.#audit(
      actor,
      `contract.${state === 'active' ? 'activate' : state === 'deprecated' ? 'deprecate' : 'retire'}`,
      `${type}/v${versionNumber}`,
      { state: version.state, sunset: version.sunset },
      { state, sunset: updated.sunset },
      options.reason,
    );
    return updated;
  }

  async setGlobalConfig(
    config: { compatibility?: CompatibilityMode; lintRequired?: readonly string[] },
    actor: Actor,
    reason?: string,
  ) {
    const before = this.deps.registry.config;
    const updated = { ...before, ...config };
    await this.deps.contracts.putConfig(updated);
    this.deps.registry.putConfig(updated);
    await this.#audit(actor, 'registry.config', 'registry', before, updated, reason);
    return updated;
  }

  /** Which sources sent which version of `type` in [from, to): the list of who to chase before retiring. */
  async usage(type: string, from: Date, to: Date): Promise<UsageRow[]> {
    const rows = await this.deps.lineage.query<{
      source: string;
      version: number;
      envelopes: string;
      accepted: string;
      deprecated: string;
      lastSeen: string;
    }>(
      `SELECT source, contract_version AS version, count() AS envelopes, countIf(outcome = 'accepted') AS accepted,
              countIf(deprecated) AS deprecated, toString(max(received_at)) AS lastSeen
       FROM ${this.deps.lineage.database}.lineage_v1 FINAL
       WHERE type = {type:String} AND contract_version > 0
         AND received_at >= fromUnixTimestamp64Milli({from:Int64}) AND received_at < fromUnixTimestamp64Milli({to:Int64})
       GROUP BY source, version ORDER BY version, source`,
      { type, from: from.getTime(), to: to.getTime() },
    );
    return rows.map((row) => ({
      ...row,
      version: Number(row.version),
      envelopes: Number(row.envelopes),
      accepted: Number(row.accepted),
      deprecated: Number(row.deprecated),
    }));
  }

  async #audit(
    actor: Actor,
    action: string,
    target: string,
    before: unknown,
    after: unknown,
    reason: string | undefined,
  ) {
    await this.deps.audit.record(
      {
        actor: actor.id,
        role: actor.role,
        action,
        target,
        before,
        after,
        ...(reason === undefined ? {} : { reason }),
        ...(actor.requestId === undefined ? {} : { requestId: actor.requestId }),
      },
      this.#now(),
    );
  }
}

function pick(subject: ContractSubject) {
  return { compatibility: subject.compatibility, lenient: subject.lenient };
}

function notFound(type: string, version?: number): PlumblineError {
  return new PlumblineError(
    ErrorCode.ContractNotFound,
    version === undefined ? `no contract subject ${type}` : `${type} has no version ${version}`,
  );
}

function refusal(
  type: string,
  plan: Extract<RegistrationPlan, { kind: 'refused' }>,
): PlumblineError {
  const code = {
    invalid_contract: ErrorCode.InvalidContract,
    unsafe_contract: ErrorCode.UnsafeContract,
    incompatible_contract: ErrorCode.IncompatibleContract,
    lint_failed: ErrorCode.LintFailed,
  }[plan.code];
  return new PlumblineError(code, plan.message, {
    details: {
      subject: type,
      ...(plan.mode === undefined ? {} : { mode: plan.mode }),
      problems: plan.problems,
    },
  });
}

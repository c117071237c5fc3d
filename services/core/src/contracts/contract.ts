/** Contract registry model (Confluent Schema Registry semantics: subject = event type). */

export const CompatibilityMode = {
  Backward: 'BACKWARD',
  BackwardTransitive: 'BACKWARD_TRANSITIVE',
  Forward: 'FORWARD',
  ForwardTransitive: 'FORWARD_TRANSITIVE',
  Full: 'FULL',
  FullTransitive: 'FULL_TRANSITIVE',
  None: 'NONE',
} as const;
export type CompatibilityMode = (typeof CompatibilityMode)[keyof typeof CompatibilityMode];

export const LifecycleState = {
  Draft: 'draft',
  Active: 'active',
  Deprecated: 'deprecated',
  Retired: 'retired',
} as const;
export type LifecycleState = (typeof LifecycleState)[keyof typeof LifecycleState];

/** A JSON Schema document (draft 7 or 2020-12). */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

/** One immutable version of a contract. Only `state` and `sunset` change after registration. */
export interface ContractVersion {
  readonly type: string;
  readonly version: number;
  readonly schema: JsonSchema;
  /** SHA-256 of the canonical (RFC 8785) schema text. */
  readonly fingerprint: string;
  readonly state: LifecycleState;
  /** ISO date after which a deprecated version is due to be retired. */
  readonly sunset?: string;
  readonly registeredAt: string;
}

/** Per-subject metadata and settings. */
export interface ContractSubject {
  readonly type: string;
  readonly domain: string;
  readonly description?: string;
  readonly ownerTeam?: string;
  readonly contact?: string;
  readonly systemOfRecord?: string;
  readonly tags?: readonly string[];
  readonly compatibility?: CompatibilityMode;
  /** Lenient mode: adding an optional property to an open content model is compatible. */
  readonly lenient?: boolean;
}

/** Registry-wide settings. */
export interface RegistryConfig {
  /** Mode for subjects that set none. */
  readonly compatibility: CompatibilityMode;
  /** Lint rules that refuse a registration instead of only warning. */
  readonly lintRequired: readonly string[];
}

export const defaultRegistryConfig: RegistryConfig = {
  compatibility: CompatibilityMode.Backward,
  lintRequired: [],
};

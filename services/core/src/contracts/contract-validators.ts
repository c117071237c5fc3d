import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { fromAjvErrors, type ValidationError } from '../validation-error';
import { AnnotationKeyword, readAnnotations, type ContractAnnotations } from './annotations';
import type { ContractVersion, JsonSchema } from './contract';

export interface CompiledContract {
  readonly contract: ContractVersion;
  readonly annotations: ContractAnnotations;
  validate(data: unknown): readonly ValidationError[];
}

function configure<T extends Ajv>(ajv: T): T {
  addFormats(ajv, { mode: 'fast' });
  ajv.addKeyword({ keyword: AnnotationKeyword.BusinessKey, schemaType: 'boolean' });
  ajv.addKeyword({ keyword: AnnotationKeyword.Tracked, schemaType: 'boolean' });
  ajv.addKeyword({ keyword: AnnotationKeyword.Sensitive, schemaType: 'boolean' });
  return ajv;
}

export function isDraft2020(schema: JsonSchema): boolean {
  return (
    typeof schema === 'object' &&
    (typeof schema.$schema === 'string' ? schema.$schema : '').includes('2020-12')
  );
}

/**
 * ajv validators compiled once per contract version (keyed by fingerprint, so a changed
 * registry entry is recompiled and an unchanged one never is). Strict mode: unknown keywords
 * are errors, which is why Plumbline's own keywords are registered here.
 */
export class ContractValidators {
  // Two instances per draft: a fast one that stops at the first error (every message), and one
  // that collects all errors, used only to explain a message that failed.
  readonly #fast = {
    draft2020: configure(new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true })),
    draft7: configure(new Ajv({ allErrors: false, strict: true, allowUnionTypes: true })),
  };
  readonly #detailed = {
    draft2020: configure(new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true })),
    draft7: configure(new Ajv({ allErrors: true, strict: true, allowUnionTypes: true })),
  };
  readonly #cache = new Map<string, CompiledContract>();

  /**
   * @param resolveContract finds a registered contract by its `$id`, so that a `$ref` from one
   * contract to another compiles (remote references are never fetched).
   */
  constructor(
    private readonly resolveContract: (uri: string) => JsonSchema | undefined = () => undefined,
  ) {}

  /** Adds every registered contract that `schema` references (transitively) to `ajv`. */
  #addReferenced(ajv: Ajv, schema: JsonSchema, seen = new Set<string>()): void {
    for (const uri of externalRefs(schema)) {
      if (seen.has(uri)) continue;
      seen.add(uri);
      if (ajv.getSchema(uri) !== undefined) continue;
      const referenced = this.resolveContract(uri);
      if (referenced === undefined) continue; // ajv then reports the unresolved reference
      this.#addReferenced(ajv, referenced, seen);
      ajv.addSchema(withoutId(referenced), uri);
    }
  }

  /** Compiles (or returns the cached) validator; throws when the schema itself is invalid. */
  compile(contract: ContractVersion): CompiledContract {
    const key = `${contract.type}@${contract.version}#${contract.fingerprint}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const draft = isDraft2020(contract.schema) ? 'draft2020' : 'draft7';
    const schema = withoutId(contract.schema);
    this.#addReferenced(this.#fast[draft], contract.schema);
    const fast: ValidateFunction = this.#fast[draft].compile(schema);
    let detailed: ValidateFunction | undefined;
    const compiled: CompiledContract = {
      contract,
      annotations: readAnnotations(contract.schema),
      validate: (data) => {
        if (fast(data)) return [];
        if (detailed === undefined) {
          this.#addReferenced(this.#detailed[draft], contract.schema);
          detailed = this.#detailed[draft].compile(schema);
        }
        detailed(data);
        return fromAjvErrors(detailed.errors ?? fast.errors);
      },
    };
    this.#cache.set(key, compiled);
    return compiled;
  }

  /** Checks that a schema compiles under strict mode; returns the error message if not. */
  check(schema: JsonSchema): string | undefined {
    const ajv = this.#detailed[isDraft2020(schema) ? 'draft2020' : 'draft7'];
    try {
      this.#addReferenced(ajv, schema);
      ajv.compile(withoutId(schema));
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  get size(): number {
    return this.#cache.size;
  }
}

/** ajv keeps schemas by `$id`; dropping it lets two fingerprints of one id coexist in the cache. */
function withoutId(schema: JsonSchema): JsonSchema {
  if (typeof schema !== 'object') return schema;
  const { $id: _id, ...rest } = schema;
  return rest;
}

/** The documents a schema `$ref`s outside itself (`https://…/v1.json#/…` → `https://…/v1.json`). */
function externalRefs(schema: JsonSchema): Set<string> {
  const refs = new Set<string>();
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (key === '$ref' && typeof value === 'string' && !value.startsWith('#'))
        refs.add(value.split('#')[0] ?? value);
      else visit(value);
    }
  };
  visit(schema);
  return refs;
}

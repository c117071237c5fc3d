import canonicalize from 'canonicalize';
import type { JsonSchema } from '../contracts/contract';

/**
 * A JSON Schema read into typed nodes, the way the reference implementation (Confluent, on the
 * everit library) sees it: `type` (or, without it, the keywords present) decides the node kind;
 * several kinds at once become an implicit `allOf`; `type: [a, b]` becomes an `anyOf`.
 * Draft 7 and 2020-12 keywords are both understood (`prefixItems`, `$defs`, `dependentRequired`,
 * `dependentSchemas`).
 */
export type SchemaNode =
  | EmptyNode
  | FalseNode
  | StringNode
  | NumberNode
  | ScalarNode
  | ObjectNode
  | ArrayNode
  | EnumNode
  | ConstNode
  | CombinedNode
  | NotNode
  | RefNode;

interface NodeBase {
  /** The raw schema, for identity (duplicate subschemas are compared by canonical text). */
  readonly raw: unknown;
  readonly canonical: string;
  readonly id?: unknown;
  readonly title?: unknown;
  readonly description?: unknown;
  readonly defaultValue?: unknown;
  readonly hasDefault: boolean;
}
export interface EmptyNode extends NodeBase {
  readonly kind: 'empty';
}
export interface FalseNode extends NodeBase {
  readonly kind: 'false';
}
export interface StringNode extends NodeBase {
  readonly kind: 'string';
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
}
export interface NumberNode extends NodeBase {
  readonly kind: 'number';
  readonly integer: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly multipleOf?: number;
}
export interface ScalarNode extends NodeBase {
  readonly kind: 'boolean' | 'null';
}
export interface ObjectNode extends NodeBase {
  readonly kind: 'object';
  readonly properties: ReadonlyMap<string, SchemaNode>;
  readonly required: ReadonlySet<string>;
  readonly patternProperties: readonly { readonly pattern: RegExp; readonly node: SchemaNode }[];
  /** `additionalProperties` is not `false`. */
  readonly permitsAdditional: boolean;
  /** `additionalProperties` given as a schema (an object, `{}` included). */
  readonly additionalSchema?: SchemaNode;
  readonly propertyDependencies: ReadonlyMap<string, ReadonlySet<string>>;
  readonly schemaDependencies: ReadonlyMap<string, SchemaNode>;
  readonly minProperties?: number;
  readonly maxProperties?: number;
}
export interface ArrayNode extends NodeBase {
  readonly kind: 'array';
  readonly allItems?: SchemaNode;
  readonly itemSchemas?: readonly SchemaNode[];
  readonly permitsAdditionalItems: boolean;
  readonly additionalItemsSchema?: SchemaNode;
  readonly unevaluatedItems?: SchemaNode;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems: boolean;
}
export interface EnumNode extends NodeBase {
  readonly kind: 'enum';
  readonly values: ReadonlySet<string>;
}
export interface ConstNode extends NodeBase {
  readonly kind: 'const';
  readonly value: string;
}
export type Criterion = 'allOf' | 'anyOf' | 'oneOf';
export interface CombinedNode extends NodeBase {
  readonly kind: 'combined';
  readonly criterion: Criterion;
  readonly subschemas: readonly SchemaNode[];
}
export interface NotNode extends NodeBase {
  readonly kind: 'not';
  readonly schema: SchemaNode;
}
export interface RefNode extends NodeBase {
  readonly kind: 'ref';
  readonly ref: string;
  resolve(): SchemaNode;
}

export type ExternalResolver = (uri: string) => JsonSchema | undefined;

const objectKeywords = [
  'properties',
  'required',
  'additionalProperties',
  'patternProperties',
  'minProperties',
  'maxProperties',
  'dependencies',
  'dependentRequired',
  'dependentSchemas',
  'propertyNames',
];
const arrayKeywords = [
  'items',
  'prefixItems',
  'additionalItems',
  'minItems',
  'maxItems',
  'uniqueItems',
  'contains',
  'unevaluatedItems',
];
const stringKeywords = ['minLength', 'maxLength', 'pattern', 'format'];
const numberKeywords = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'];

type Raw = Readonly<Record<string, unknown>>;

/** Reads a schema document into nodes; `$ref`s resolve lazily (so recursive schemas work). */
export function loadSchema(
  root: JsonSchema,
  resolveExternal: ExternalResolver = () => undefined,
): SchemaNode {
  const cache = new Map<unknown, SchemaNode>();
  const load = (raw: unknown, document: unknown): SchemaNode => {
    const cached = cache.get(raw);
    if (cached !== undefined && typeof raw === 'object' && raw !== null) return cached;
    const node = build(raw, document);
    if (typeof raw === 'object' && raw !== null) cache.set(raw, node);
    return node;
  };

  const build = (raw: unknown, document: unknown): SchemaNode => {
    const base = (value: unknown): NodeBase => {
      const object = typeof value === 'object' && value !== null ? (value as Raw) : {};
      return {
        raw: value,
        canonical: canonicalize(value) ?? 'null',
        id: object.$id ?? object.id,
        title: object.title,
        description: object.description,
        defaultValue: object.default,
        hasDefault: 'default' in object,
      };
    };
    if (raw === true || raw === undefined) return { kind: 'empty', ...base(raw) };
    if (raw === false) return { kind: 'false', ...base(raw) };
    if (typeof raw !== 'object' || raw === null) return { kind: 'empty', ...base(raw) };
    const s = raw as Raw;
    const parts: SchemaNode[] = [];
    const sub = (value: unknown) => load(value, document);

    if (Array.isArray(s.enum))
      parts.push({
        kind: 'enum',
        ...base(raw),
        values: new Set(s.enum.map((v) => canonicalize(v) ?? 'null')),
      });
    if ('const' in s)
      parts.push({ kind: 'const', ...base(raw), value: canonicalize(s.const) ?? 'null' });
    if ('not' in s) parts.push({ kind: 'not', ...base(raw), schema: sub(s.not) });
    if (typeof s.$ref === 'string') {
      const ref = s.$ref;
      let resolved: SchemaNode | undefined;
      parts.push({
        kind: 'ref',
        ...base(raw),
        ref,
        resolve: () => (resolved ??= resolveRef(ref, document)),
      });
    }
    for (const criterion of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = s[criterion];
      if (Array.isArray(list))
        parts.push({ kind: 'combined', ...base(raw), criterion, subschemas: list.map(sub) });
    }
    const typed = typeNodes(s, base(raw), sub);
    parts.push(...typed);

    if (parts.length === 0) return { kind: 'empty', ...base(raw) };
    if (parts.length === 1) return parts[0]!;
    // The parts of one schema share its raw text; qualify them so they stay distinct alternatives.
    const distinct = parts.map((part) => ({
      ...part,
      canonical: `${part.kind}:${part.canonical}`,
    }));
    return { kind: 'combined', ...base(raw), criterion: 'allOf', subschemas: distinct };
  };

  const typeNodes = (s: Raw, meta: NodeBase, sub: (value: unknown) => SchemaNode): SchemaNode[] => {
    const make = (type: string): SchemaNode | undefined => {
      switch (type) {
        case 'string':
          return {
            kind: 'string',
            ...meta,
            minLength: num(s.minLength),
            maxLength: num(s.maxLength),
            pattern: typeof s.pattern === 'string' ? s.pattern : undefined,
          };
        case 'number':
        case 'integer':
          return {
            kind: 'number',
            ...meta,
            integer: type === 'integer',
            minimum: num(s.minimum),
            maximum: num(s.maximum),
            exclusiveMinimum: num(s.exclusiveMinimum),
            exclusiveMaximum: num(s.exclusiveMaximum),
            multipleOf: num(s.multipleOf),
          };
        case 'boolean':
        case 'null':
          return { kind: type, ...meta };
        case 'object':
          return objectNode(s, meta, sub);
        case 'array':
          return arrayNode(s, meta, sub);
        default:
          return undefined;
      }
    };
    if (typeof s.type === 'string') {
      const node = make(s.type);
      return node === undefined ? [] : [node];
    }
    if (Array.isArray(s.type)) {
      const nodes = s.type
        .filter((t): t is string => typeof t === 'string')
        .map(make)
        .filter((n): n is SchemaNode => n !== undefined);
      if (nodes.length === 1) return nodes;
      return nodes.length === 0
        ? []
        : [{ kind: 'combined', ...meta, criterion: 'anyOf', subschemas: nodes }];
    }
    // No `type`: the keywords present imply what is constrained.
    const sniffed: SchemaNode[] = [];
    const has = (keywords: readonly string[]) => keywords.some((keyword) => keyword in s);
    if (has(objectKeywords)) sniffed.push(objectNode(s, meta, sub));
    if (has(arrayKeywords)) sniffed.push(arrayNode(s, meta, sub));
    if (has(stringKeywords)) sniffed.push(make('string')!);
    if (has(numberKeywords)) sniffed.push(make('number')!);
    return sniffed;
  };

  const resolveRef = (ref: string, document: unknown): SchemaNode => {
    const [uri = '', fragment] = ref.split('#');
    let target: unknown = document;
    let targetDocument = document;
    if (uri !== '') {
      const external = resolveExternal(uri);
      if (external === undefined)
        return { kind: 'empty', raw: true, canonical: 'true', hasDefault: false };
      target = external;
      targetDocument = external;
    }
    if (fragment !== undefined && fragment !== '') {
      for (const part of fragment.replace(/^\//, '').split('/')) {
        const key = decodeURIComponent(part).replaceAll('~1', '/').replaceAll('~0', '~');
        target = typeof target === 'object' && target !== null ? (target as Raw)[key] : undefined;
      }
    }
    return load(target, targetDocument);
  };

  return load(root, root);
}

function objectNode(s: Raw, meta: NodeBase, sub: (value: unknown) => SchemaNode): ObjectNode {
  const properties = new Map<string, SchemaNode>();
  if (isRecord(s.properties))
    for (const [key, value] of Object.entries(s.properties)) properties.set(key, sub(value));
  const patternProperties: { pattern: RegExp; node: SchemaNode }[] = [];
  if (isRecord(s.patternProperties)) {
    for (const [pattern, value] of Object.entries(s.patternProperties)) {
      try {
        patternProperties.push({ pattern: new RegExp(pattern, 'u'), node: sub(value) });
      } catch {
        patternProperties.push({ pattern: /(?!)/, node: sub(value) });
      }
    }
  }
  const propertyDependencies = new Map<string, Set<string>>();
  const schemaDependencies = new Map<string, SchemaNode>();
  for (const source of [s.dependencies, s.dependentRequired, s.dependentSchemas]) {
    if (!isRecord(source)) continue;
    for (const [key, value] of Object.entries(source)) {
      if (Array.isArray(value)) propertyDependencies.set(key, new Set(value.map(String)));
      else schemaDependencies.set(key, sub(value));
    }
  }
  return {
    kind: 'object',
    ...meta,
    properties,
    required: new Set(Array.isArray(s.required) ? s.required.map(String) : []),
    patternProperties,
    permitsAdditional: s.additionalProperties !== false,
    additionalSchema: isRecord(s.additionalProperties) ? sub(s.additionalProperties) : undefined,
    propertyDependencies,
    schemaDependencies,
    minProperties: num(s.minProperties),
    maxProperties: num(s.maxProperties),
  };
}

function arrayNode(s: Raw, meta: NodeBase, sub: (value: unknown) => SchemaNode): ArrayNode {
  // Draft 7: items (schema) | items (array) + additionalItems. 2020-12: prefixItems + items.
  const tuple = Array.isArray(s.prefixItems)
    ? s.prefixItems
    : Array.isArray(s.items)
      ? s.items
      : undefined;
  const additional = Array.isArray(s.prefixItems) ? s.items : s.additionalItems;
  return {
    kind: 'array',
    ...meta,
    allItems: tuple === undefined && s.items !== undefined ? sub(s.items) : undefined,
    itemSchemas: tuple?.map(sub),
    permitsAdditionalItems: additional !== false,
    additionalItemsSchema: isRecord(additional) ? sub(additional) : undefined,
    unevaluatedItems: s.unevaluatedItems === undefined ? undefined : sub(s.unevaluatedItems),
    minItems: num(s.minItems),
    maxItems: num(s.maxItems),
    uniqueItems: s.uniqueItems === true,
  };
}

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

import type { JsonSchema } from '../contracts/contract';
import { compareArrays } from './array-diff';
import { compatibleKinds, describeChange, lenientKinds } from './change-kinds';
import { compareCombined } from './combined-diff';
import type { Compare } from './compare';
import { DiffContext } from './diff-context';
import { PairMemo } from './pair-memo';
import { compareLimit, compareObjects } from './object-diff';
import { loadSchema, type NumberNode, type SchemaNode, type StringNode } from './schema-model';

export interface SchemaChange {
  /** JSON pointer into the schema, `#/properties/amount`. */
  readonly pointer: string;
  /** Stable kind, in Confluent Schema Registry's names (`TYPE_CHANGED`, …). */
  readonly kind: string;
  readonly compatible: boolean;
  readonly oldValue?: unknown;
  readonly newValue?: unknown;
  /** One sentence a person understands. */
  readonly message: string;
  /** With checkCompatibility: the registered version (1-based position in the history) it was found against. */
  readonly againstVersion?: number;
}

export interface CompatibilityOptions {
  /** Lenient mode: an optional property added to an open content model is compatible. */
  readonly lenient?: boolean;
  /** Resolves a `$ref` to another registered contract; undefined when unknown. */
  readonly resolveExternalRef?: (uri: string) => JsonSchema | undefined;
}

export interface CompatibilityResult {
  readonly compatible: boolean;
  /** Every difference found, compatible ones included. */
  readonly changes: readonly SchemaChange[];
}

/**
 * BACKWARD check of one pair: can a reader using `update` read everything written with
 * `original`? Semantics of Confluent Schema Registry's JSON Schema provider.
 */
export function diffSchemas(
  original: JsonSchema,
  update: JsonSchema,
  options: CompatibilityOptions = {},
): CompatibilityResult {
  const kinds = options.lenient === true ? lenientKinds : compatibleKinds;
  const originalNode = loadSchema(original, options.resolveExternalRef);
  const updateNode = loadSchema(update, options.resolveExternalRef);
  // Passes until the assumptions made for recursive pairs hold (see PairMemo).
  let ctx = new DiffContext(kinds);
  compareNodes(ctx, originalNode, updateNode);
  for (let pass = 1; ctx.memo.revisit && pass < maxPasses; pass += 1) {
    ctx = new DiffContext(kinds, new PairMemo(ctx.memo.done));
    compareNodes(ctx, originalNode, updateNode);
  }
  const changes = ctx.differences.map((difference) => {
    const compatible = kinds.has(difference.kind);
    return {
      pointer: difference.pointer,
      kind: difference.kind,
      compatible,
      ...(difference.oldValue === undefined ? {} : { oldValue: difference.oldValue }),
      ...(difference.newValue === undefined ? {} : { newValue: difference.newValue }),
      message: describeChange(
        difference.kind,
        difference.pointer,
        difference.oldValue,
        difference.newValue,
        compatible,
      ),
    };
  });
  return { compatible: changes.every((change) => change.compatible), changes };
}

const compareNodes: Compare = (ctx, originalNode, updateNode) => {
  if (originalNode === undefined && updateNode === undefined) return;
  if (originalNode === undefined) return ctx.add('SCHEMA_ADDED');
  if (updateNode === undefined) return ctx.add('SCHEMA_REMOVED');
  const original = deref(originalNode);
  const update = deref(updateNode);
  ctx.comparePair(original, update, () => compareResolved(ctx, original, update));
};

/** Each pass turns at least one assumption from compatible to incompatible; this bounds the rest. */
const maxPasses = 32;

const compareResolved = (ctx: DiffContext, original: SchemaNode, update: SchemaNode): void => {
  // As Confluent's SchemaDiff: a union of one against a plain schema compares with its member;
  // a plain schema read by an anyOf/oneOf needs one compatible alternative (SUM_TYPE_EXTENDED);
  // an allOf read by a plain schema needs one member the plain schema reads (PRODUCT_TYPE_NARROWED).
  // Anything else of two different kinds falls through to TYPE_CHANGED below.
  if (original.kind !== 'combined' && update.kind === 'combined') {
    if (update.subschemas.length === 1) {
      const sub = ctx.subcontext();
      compareNodes(sub, original, update.subschemas[0]);
      if (sub.isCompatible) return ctx.addAll(sub.differences);
    } else if (update.criterion !== 'allOf') {
      for (const alternative of update.subschemas) {
        const sub = ctx.subcontext();
        compareNodes(sub, original, alternative);
        if (sub.isCompatible) {
          ctx.addAll(sub.differences);
          return ctx.add('SUM_TYPE_EXTENDED');
        }
      }
    }
  } else if (original.kind === 'combined' && update.kind !== 'combined') {
    if (original.subschemas.length === 1) {
      const sub = ctx.subcontext();
      compareNodes(sub, original.subschemas[0], update);
      if (sub.isCompatible) return ctx.addAll(sub.differences);
    } else if (original.criterion === 'allOf') {
      for (const member of original.subschemas) {
        const sub = ctx.subcontext();
        compareNodes(sub, member, update);
        if (sub.isCompatible) {
          ctx.addAll(sub.differences);
          return ctx.add('PRODUCT_TYPE_NARROWED');
        }
      }
    }
  }

  if (original.kind !== update.kind) {
    // false accepts nothing, so anything reads it; an empty schema reads anything.
    if (original.kind === 'false' || update.kind === 'empty') return;
    return ctx.add('TYPE_CHANGED', { oldValue: typeName(original), newValue: typeName(update) });
  }

  if (
    !Object.is(original.id, update.id) &&
    JSON.stringify(original.id) !== JSON.stringify(update.id)
  )
    ctx.add('ID_CHANGED');
  if (original.title !== update.title) ctx.add('TITLE_CHANGED');
  if (original.description !== update.description) ctx.add('DESCRIPTION_CHANGED');
  if (JSON.stringify(original.defaultValue) !== JSON.stringify(update.defaultValue))
    ctx.add('DEFAULT_CHANGED');
  switch (original.kind) {
    case 'string':
      return compareStrings(ctx, original, update as StringNode);
    case 'number':
      return compareNumbers(ctx, original, update as NumberNode);
    case 'enum': {
      const now = (update as typeof original).values;
      if (sameValues(original.values, now)) return;
      const kind = [...original.values].every((v) => now.has(v))
        ? 'ENUM_ARRAY_EXTENDED'
        : [...now].every((v) => original.values.has(v))
          ? 'ENUM_ARRAY_NARROWED'
          : 'ENUM_ARRAY_CHANGED';
      return ctx.addAt('enum', kind, [...original.values].map(parse), [...now].map(parse));
    }
    case 'const': {
      const now = (update as typeof original).value;
      if (original.value !== now)
        ctx.addAt('const', 'ENUM_ARRAY_CHANGED', parse(original.value), parse(now));
      return;
    }
    case 'combined':
      return compareCombined(ctx, original, update as typeof original, compareNodes);
    case 'not':
      return ctx.within('not', () => {
        // Reversed: the new 'not' must exclude no more than the old one did.
        const sub = ctx.subcontext();
        compareNodes(sub, (update as typeof original).schema, original.schema);
        ctx.add(sub.isCompatible ? 'NOT_TYPE_NARROWED' : 'NOT_TYPE_EXTENDED');
      });
    case 'object':
      return compareObjects(ctx, original, update as typeof original, compareNodes);
    case 'array':
      return compareArrays(ctx, original, update as typeof original, compareNodes);
    case 'empty':
    case 'false':
    case 'boolean':
    case 'null':
    case 'ref':
      return;
  }
};

function compareStrings(ctx: DiffContext, original: StringNode, update: StringNode): void {
  compareLimit(ctx, 'maxLength', original.maxLength, update.maxLength, 'MAX_LENGTH');
  compareLimit(ctx, 'minLength', original.minLength, update.minLength, 'MIN_LENGTH');
  if (original.pattern === undefined && update.pattern !== undefined)
    ctx.addAt('pattern', 'PATTERN_ADDED', undefined, update.pattern);
  else if (original.pattern !== undefined && update.pattern === undefined)
    ctx.addAt('pattern', 'PATTERN_REMOVED', original.pattern);
  else if (original.pattern !== update.pattern)
    ctx.addAt('pattern', 'PATTERN_CHANGED', original.pattern, update.pattern);
}

function compareNumbers(ctx: DiffContext, original: NumberNode, update: NumberNode): void {
  compareLimit(ctx, 'maximum', original.maximum, update.maximum, 'MAXIMUM');
  compareLimit(ctx, 'minimum', original.minimum, update.minimum, 'MINIMUM');
  compareLimit(
    ctx,
    'exclusiveMaximum',
    original.exclusiveMaximum,
    update.exclusiveMaximum,
    'EXCLUSIVE_MAXIMUM',
  );
  compareLimit(
    ctx,
    'exclusiveMinimum',
    original.exclusiveMinimum,
    update.exclusiveMinimum,
    'EXCLUSIVE_MINIMUM',
  );
  const was = original.multipleOf;
  const now = update.multipleOf;
  if (was !== now) {
    if (was === undefined) ctx.addAt('multipleOf', 'MULTIPLE_OF_ADDED', was, now);
    else if (now === undefined) ctx.addAt('multipleOf', 'MULTIPLE_OF_REMOVED', was, now);
    else if (isMultiple(now, was)) ctx.addAt('multipleOf', 'MULTIPLE_OF_EXPANDED', was, now);
    else if (isMultiple(was, now)) ctx.addAt('multipleOf', 'MULTIPLE_OF_REDUCED', was, now);
    else ctx.addAt('multipleOf', 'MULTIPLE_OF_CHANGED', was, now);
  }
  if (original.integer !== update.integer) {
    ctx.add(original.integer ? 'TYPE_EXTENDED' : 'TYPE_NARROWED', {
      oldValue: original.integer ? 'integer' : 'number',
      newValue: update.integer ? 'integer' : 'number',
    });
  }
}

/** `a` is a whole multiple of `b` (decimal-safe for the values schemas use). */
function isMultiple(a: number, b: number): boolean {
  const ratio = a / b;
  return Math.abs(ratio - Math.round(ratio)) < 1e-9;
}

function deref(node: SchemaNode): SchemaNode {
  let current = node;
  for (let hops = 0; current.kind === 'ref' && hops < 64; hops += 1) current = current.resolve();
  return current;
}

function typeName(node: SchemaNode): string {
  return node.kind === 'number' && node.integer ? 'integer' : node.kind;
}

function sameValues(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((value) => b.has(value));
}

function parse(text: string): unknown {
  return JSON.parse(text) as unknown;
}

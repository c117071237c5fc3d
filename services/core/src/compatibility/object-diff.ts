import type { Compare } from './compare';
import type { DiffContext } from './diff-context';
import type { ObjectNode, SchemaNode } from './schema-model';

export function compareObjects(
  ctx: DiffContext,
  original: ObjectNode,
  update: ObjectNode,
  compare: Compare,
): void {
  compareRequired(ctx, original, update);
  compareProperties(ctx, original, update, compare);
  compareDependencies(ctx, original, update, compare);
  compareAdditionalProperties(ctx, original, update, compare);
  compareLimit(
    ctx,
    'maxProperties',
    original.maxProperties,
    update.maxProperties,
    'MAX_PROPERTIES',
  );
  compareLimit(
    ctx,
    'minProperties',
    original.minProperties,
    update.minProperties,
    'MIN_PROPERTIES',
  );
}

/** `<PREFIX>_ADDED | _REMOVED | _INCREASED | _DECREASED` for a numeric keyword. */
export function compareLimit(
  ctx: DiffContext,
  keyword: string,
  original: number | undefined,
  update: number | undefined,
  prefix: string,
): void {
  if (original === update) return;
  if (original === undefined) ctx.addAt(keyword, `${prefix}_ADDED`, original, update);
  else if (update === undefined) ctx.addAt(keyword, `${prefix}_REMOVED`, original, update);
  else if (original < update) ctx.addAt(keyword, `${prefix}_INCREASED`, original, update);
  else ctx.addAt(keyword, `${prefix}_DECREASED`, original, update);
}

function compareRequired(ctx: DiffContext, original: ObjectNode, update: ObjectNode): void {
  ctx.within('required', () => {
    for (const key of original.properties.keys()) {
      if (!update.properties.has(key)) continue;
      const was = original.required.has(key);
      const now = update.required.has(key);
      if (was && !now) ctx.addAt(key, 'REQUIRED_ATTRIBUTE_REMOVED');
      else if (!was && now) {
        ctx.addAt(
          key,
          update.properties.get(key)?.hasDefault === true
            ? 'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED'
            : 'REQUIRED_ATTRIBUTE_ADDED',
        );
      }
    }
  });
}

/** No `patternProperties`, no `additionalProperties` schema, and not closed: anything goes. */
export function isOpenContentModel(node: ObjectNode): boolean {
  return (
    node.patternProperties.length === 0 &&
    node.additionalSchema === undefined &&
    node.permitsAdditional
  );
}

/** What a property absent from `properties` must match: a matching patternProperties schema, else additionalProperties. */
function coveringSchema(node: ObjectNode, key: string): SchemaNode | undefined {
  for (const { pattern, node: schema } of node.patternProperties)
    if (pattern.test(key)) return schema;
  return node.additionalSchema;
}

function compareProperties(
  ctx: DiffContext,
  original: ObjectNode,
  update: ObjectNode,
  compare: Compare,
): void {
  ctx.within('properties', () => {
    const keys = new Set([...original.properties.keys(), ...update.properties.keys()]);
    for (const key of keys) {
      ctx.within(key, () => {
        const was = original.properties.get(key);
        const now = update.properties.get(key);
        if (now === undefined && was !== undefined) {
          // Removing a property is safe only if the new content model still accepts what it held.
          if (isOpenContentModel(update)) {
            ctx.add('PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL');
            return;
          }
          const covering = coveringSchema(update, key);
          if (covering !== undefined) {
            const sub = ctx.subcontext();
            compare(sub, was, covering);
            ctx.addAll(sub.differences);
            ctx.add(
              sub.isCompatible
                ? 'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
                : 'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
            );
          } else {
            ctx.add(
              was.kind === 'false'
                ? 'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL'
                : 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL',
            );
          }
        } else if (was === undefined && now !== undefined) {
          // Adding a property is safe only if old data could not have held something else there.
          const required = update.required.has(key);
          if (isOpenContentModel(original)) {
            if (now.kind === 'empty')
              ctx.add('PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL');
            else if (!required) ctx.add('OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL');
            else
              ctx.add(
                now.hasDefault
                  ? 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL'
                  : 'REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL',
              );
            return;
          }
          const covering = coveringSchema(original, key);
          if (covering !== undefined) {
            const sub = ctx.subcontext();
            compare(sub, covering, now);
            ctx.addAll(sub.differences);
            ctx.add(
              sub.isCompatible
                ? 'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
                : 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
            );
          }
          if (required) {
            ctx.add(
              now.hasDefault
                ? 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL'
                : 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL',
            );
          } else {
            ctx.add('OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL');
          }
        } else {
          compare(ctx, was, now);
        }
      });
    }
  });
}

function compareDependencies(
  ctx: DiffContext,
  original: ObjectNode,
  update: ObjectNode,
  compare: Compare,
): void {
  ctx.within('dependencies', () => {
    const keys = new Set([
      ...original.propertyDependencies.keys(),
      ...update.propertyDependencies.keys(),
    ]);
    for (const key of keys) {
      const was = original.propertyDependencies.get(key);
      const now = update.propertyDependencies.get(key);
      if (now === undefined) ctx.addAt(key, 'DEPENDENCY_ARRAY_REMOVED');
      else if (was === undefined) ctx.addAt(key, 'DEPENDENCY_ARRAY_ADDED');
      else if (!sameSet(was, now)) {
        if ([...was].every((item) => now.has(item)))
          ctx.addAt(key, 'DEPENDENCY_ARRAY_EXTENDED', [...was], [...now]);
        else if ([...now].every((item) => was.has(item)))
          ctx.addAt(key, 'DEPENDENCY_ARRAY_NARROWED', [...was], [...now]);
        else ctx.addAt(key, 'DEPENDENCY_ARRAY_CHANGED', [...was], [...now]);
      }
    }
    const schemaKeys = new Set([
      ...original.schemaDependencies.keys(),
      ...update.schemaDependencies.keys(),
    ]);
    for (const key of schemaKeys) {
      const was = original.schemaDependencies.get(key);
      const now = update.schemaDependencies.get(key);
      if (now === undefined) ctx.addAt(key, 'DEPENDENCY_SCHEMA_REMOVED');
      else if (was === undefined) ctx.addAt(key, 'DEPENDENCY_SCHEMA_ADDED');
      else ctx.within(key, () => compare(ctx, was, now));
    }
  });
}

function compareAdditionalProperties(
  ctx: DiffContext,
  original: ObjectNode,
  update: ObjectNode,
  compare: Compare,
): void {
  ctx.within('additionalProperties', () => {
    if (original.permitsAdditional !== update.permitsAdditional) {
      ctx.add(
        update.permitsAdditional ? 'ADDITIONAL_PROPERTIES_ADDED' : 'ADDITIONAL_PROPERTIES_REMOVED',
      );
    } else if (original.additionalSchema === undefined && update.additionalSchema !== undefined) {
      ctx.add('ADDITIONAL_PROPERTIES_NARROWED');
    } else if (update.additionalSchema === undefined && original.additionalSchema !== undefined) {
      ctx.add('ADDITIONAL_PROPERTIES_EXTENDED');
    } else {
      compare(ctx, original.additionalSchema, update.additionalSchema);
    }
  });
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((item) => b.has(item));
}

import type { Compare } from './compare';
import type { DiffContext } from './diff-context';
import { compareLimit } from './object-diff';
import type { ArrayNode, SchemaNode } from './schema-model';

export function compareArrays(
  ctx: DiffContext,
  original: ArrayNode,
  update: ArrayNode,
  compare: Compare,
): void {
  ctx.within('items', () => compare(ctx, original.allItems, update.allItems));
  compareTuples(ctx, original, update, compare);
  compareAdditionalItems(ctx, original, update, compare);
  compareLimit(ctx, 'maxItems', original.maxItems, update.maxItems, 'MAX_ITEMS');
  compareLimit(ctx, 'minItems', original.minItems, update.minItems, 'MIN_ITEMS');
  if (original.uniqueItems !== update.uniqueItems) {
    ctx.addAt('uniqueItems', original.uniqueItems ? 'UNIQUE_ITEMS_REMOVED' : 'UNIQUE_ITEMS_ADDED');
  }
}

/** Open: more tuple items may follow, with any content. */
function isOpenContentModel(node: ArrayNode): boolean {
  if (!node.permitsAdditionalItems || node.additionalItemsSchema !== undefined) return false;
  return node.unevaluatedItems === undefined || node.unevaluatedItems.kind === 'empty';
}

/** Partially open: items past the tuple must match this schema. */
function coveringSchema(node: ArrayNode): SchemaNode | undefined {
  if (node.additionalItemsSchema !== undefined) return node.additionalItemsSchema;
  if (
    node.permitsAdditionalItems &&
    node.unevaluatedItems !== undefined &&
    node.unevaluatedItems.kind !== 'empty' &&
    node.unevaluatedItems.kind !== 'false'
  ) {
    return node.unevaluatedItems;
  }
  return undefined;
}

function compareTuples(
  ctx: DiffContext,
  original: ArrayNode,
  update: ArrayNode,
  compare: Compare,
): void {
  const was = original.itemSchemas ?? [];
  const now = update.itemSchemas ?? [];
  const shared = Math.min(was.length, now.length);
  for (let index = 0; index < shared; index += 1)
    ctx.within(`items/${index}`, () => compare(ctx, was[index], now[index]));
  for (let index = shared; index < was.length; index += 1) {
    ctx.within(`items/${index}`, () => {
      const removed = was[index]!;
      if (isOpenContentModel(update)) return ctx.add('ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL');
      const covering = coveringSchema(update);
      if (covering !== undefined) {
        const sub = ctx.subcontext();
        compare(sub, removed, covering);
        ctx.addAll(sub.differences);
        return ctx.add(
          sub.isCompatible
            ? 'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
            : 'ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
        );
      }
      ctx.add(
        removed.kind === 'false'
          ? 'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL'
          : 'ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL',
      );
    });
  }
  for (let index = shared; index < now.length; index += 1) {
    ctx.within(`items/${index}`, () => {
      const added = now[index]!;
      if (isOpenContentModel(original)) {
        return ctx.add(
          added.kind === 'empty'
            ? 'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL'
            : 'ITEM_ADDED_TO_OPEN_CONTENT_MODEL',
        );
      }
      const covering = coveringSchema(original);
      if (covering !== undefined) {
        const sub = ctx.subcontext();
        compare(sub, covering, added);
        ctx.addAll(sub.differences);
        return ctx.add(
          sub.isCompatible
            ? 'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
            : 'ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
        );
      }
      ctx.add('ITEM_ADDED_TO_CLOSED_CONTENT_MODEL');
    });
  }
}

function compareAdditionalItems(
  ctx: DiffContext,
  original: ArrayNode,
  update: ArrayNode,
  compare: Compare,
): void {
  ctx.within('additionalItems', () => {
    if (original.permitsAdditionalItems !== update.permitsAdditionalItems) {
      ctx.add(
        original.permitsAdditionalItems ? 'ADDITIONAL_ITEMS_REMOVED' : 'ADDITIONAL_ITEMS_ADDED',
      );
    } else if (
      original.additionalItemsSchema === undefined &&
      update.additionalItemsSchema !== undefined
    ) {
      ctx.add('ADDITIONAL_ITEMS_NARROWED');
    } else if (
      update.additionalItemsSchema === undefined &&
      original.additionalItemsSchema !== undefined
    ) {
      ctx.add('ADDITIONAL_ITEMS_EXTENDED');
    } else {
      compare(ctx, original.additionalItemsSchema, update.additionalItemsSchema);
    }
  });
}

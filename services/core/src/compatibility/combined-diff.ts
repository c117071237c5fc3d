import type { Compare } from './compare';
import type { DiffContext, Difference } from './diff-context';
import { maximumMatching } from './max-matching';
import type { CombinedNode, SchemaNode } from './schema-model';

/**
 * allOf / anyOf / oneOf against the same or another combination: the criterion may widen
 * (to anyOf, or from a single alternative), and every alternative on the smaller side must pair
 * with a distinct compatible alternative on the other (a maximum bipartite matching).
 */
export function compareCombined(
  ctx: DiffContext,
  original: CombinedNode,
  update: CombinedNode,
  compare: Compare,
): void {
  const criterionChange = compareCriteria(original, update);
  if (criterionChange !== undefined)
    ctx.add(criterionChange, { oldValue: original.criterion, newValue: update.criterion });
  if (criterionChange === 'COMBINED_TYPE_CHANGED') return;

  const was = unique(original.subschemas);
  const now = unique(update.subschemas);
  if (was.length < now.length)
    ctx.add(update.criterion === 'allOf' ? 'PRODUCT_TYPE_EXTENDED' : 'SUM_TYPE_EXTENDED');
  else if (was.length > now.length)
    ctx.add(original.criterion === 'allOf' ? 'PRODUCT_TYPE_NARROWED' : 'SUM_TYPE_NARROWED');

  const edges: [number, number][] = [];
  const found = new Map<string, readonly Difference[]>();
  was.forEach((left, i) => {
    ctx.within(`${original.criterion}/${i}`, () => {
      now.forEach((right, j) => {
        const sub = ctx.subcontext();
        compare(sub, left, right);
        if (sub.isCompatible) {
          edges.push([i, j]);
          found.set(`${i}:${j}`, sub.differences);
        }
      });
    });
  });
  const matching = maximumMatching(was.length, now.length, edges);
  for (const [i, j] of matching) ctx.addAll(found.get(`${i}:${j}`) ?? []);
  if (matching.size < Math.min(was.length, now.length)) ctx.add('COMBINED_TYPE_SUBSCHEMAS_CHANGED');
}

/**
 * A change of criterion is compatible (COMBINED_TYPE_EXTENDED) when the new one accepts at least
 * what the old one did: anything to anyOf; between singletons; a singleton to oneOf; allOf to a
 * singleton. Otherwise COMBINED_TYPE_CHANGED, and the alternatives are not compared further.
 */
function compareCriteria(original: CombinedNode, update: CombinedNode): string | undefined {
  if (original.criterion === update.criterion) return undefined;
  const singleton = (node: CombinedNode) => node.subschemas.length === 1;
  const extended =
    update.criterion === 'anyOf' ||
    (singleton(original) && singleton(update)) ||
    (singleton(original) && update.criterion === 'oneOf') ||
    (singleton(update) && original.criterion === 'allOf');
  return extended ? 'COMBINED_TYPE_EXTENDED' : 'COMBINED_TYPE_CHANGED';
}

/** Duplicate alternatives (same canonical text) count once. */
function unique(nodes: readonly SchemaNode[]): SchemaNode[] {
  const seen = new Set<string>();
  return nodes.filter((node) =>
    seen.has(node.canonical) ? false : (seen.add(node.canonical), true),
  );
}

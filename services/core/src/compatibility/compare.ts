import type { DiffContext } from './diff-context';
import type { SchemaNode } from './schema-model';

/** Compares two (possibly absent) schema nodes, recording differences in the context. */
export type Compare = (
  ctx: DiffContext,
  original: SchemaNode | undefined,
  update: SchemaNode | undefined,
) => void;

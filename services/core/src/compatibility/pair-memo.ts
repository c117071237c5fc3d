import type { Difference } from './diff-context';
import type { SchemaNode } from './schema-model';

/** What comparing one pair of schema nodes found, and at which pointer it was compared. */
export interface PairResult {
  readonly base: string;
  readonly differences: readonly Difference[];
  readonly compatible: boolean;
}

/** A table keyed by a pair of nodes (nodes are identities: one per raw subschema). */
export class PairTable<T> {
  readonly #rows = new Map<SchemaNode, Map<SchemaNode, T>>();

  get(original: SchemaNode, update: SchemaNode): T | undefined {
    return this.#rows.get(original)?.get(update);
  }

  has(original: SchemaNode, update: SchemaNode): boolean {
    return this.#rows.get(original)?.has(update) === true;
  }

  set(original: SchemaNode, update: SchemaNode, value: T): void {
    let row = this.#rows.get(original);
    if (row === undefined) {
      row = new Map();
      this.#rows.set(original, row);
    }
    row.set(update, value);
  }

  delete(original: SchemaNode, update: SchemaNode): void {
    this.#rows.get(original)?.delete(update);
  }
}

/**
 * Memory of one comparison pass, shared by a context and all its subcontexts.
 *
 * Each pair of nodes is compared once per pass; meeting the pair again replays what was found,
 * rebased to the new pointer. (Without this, recursive unions — a oneOf of $refs whose targets hold
 * the same oneOf — take exponential time.) A pair met again while it is still being compared (a
 * recursive schema) is assumed to be as compatible as the previous pass found it, and compatible on
 * the first pass; if a pass finds such an assumption wrong, `revisit` asks for another pass with
 * this pass's findings as the new assumptions. Assumptions only ever turn from compatible to
 * incompatible, so the passes reach the greatest fixed point, which is the verdict for recursive
 * types (as Confluent's SchemaDiff does).
 */
export class PairMemo {
  readonly done = new PairTable<PairResult>();
  readonly inProgress = new PairTable<true>();
  /** Pairs met again while in progress, with the verdict assumed for them. */
  readonly assumed = new PairTable<boolean>();
  revisit = false;

  constructor(readonly previous: PairTable<PairResult> = new PairTable()) {}
}

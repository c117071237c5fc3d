import { PairMemo, type PairResult } from './pair-memo';
import type { SchemaNode } from './schema-model';

/** One difference found, at a JSON pointer (`#/properties/amount`) into the schemas. */
export interface Difference {
  readonly kind: string;
  readonly pointer: string;
  readonly oldValue?: unknown;
  readonly newValue?: unknown;
}

/**
 * Where the comparison is and what it found. A subcontext shares the pass memory (pairs done and
 * in progress) and starts with the current path but its own findings, so a branch can be tried and
 * kept only if compatible.
 */
export class DiffContext {
  readonly differences: Difference[] = [];
  readonly #path: string[];

  constructor(
    readonly compatibleKinds: ReadonlySet<string>,
    readonly memo: PairMemo = new PairMemo(),
    path: readonly string[] = [],
  ) {
    this.#path = [...path];
  }

  subcontext(): DiffContext {
    return new DiffContext(this.compatibleKinds, this.memo, this.#path);
  }

  get pointer(): string {
    return `#/${this.#path.join('/')}`;
  }

  get isCompatible(): boolean {
    return this.differences.every((difference) => this.compatibleKinds.has(difference.kind));
  }

  add(kind: string, values: { oldValue?: unknown; newValue?: unknown } = {}): void {
    this.differences.push({ kind, pointer: this.pointer, ...values });
  }

  /** Adds a difference one step below the current path (`maxLength` of a string, say). */
  addAt(segment: string, kind: string, oldValue?: unknown, newValue?: unknown): void {
    this.within(segment, () => this.add(kind, { oldValue, newValue }));
  }

  addAll(differences: readonly Difference[]): void {
    this.differences.push(...differences);
  }

  within<T>(segment: string, run: () => T): T {
    this.#path.push(segment);
    try {
      return run();
    } finally {
      this.#path.pop();
    }
  }

  /**
   * Compares a pair once per pass (see PairMemo): `run` records its differences here; meeting the
   * pair again replays them at the current pointer.
   */
  comparePair(original: SchemaNode, update: SchemaNode, run: () => void): void {
    const { memo } = this;
    const done = memo.done.get(original, update);
    if (done !== undefined) return this.#replay(done);
    if (memo.inProgress.has(original, update)) {
      const prior = memo.previous.get(original, update);
      memo.assumed.set(original, update, prior?.compatible ?? true);
      if (prior !== undefined && !prior.compatible) this.#replay(prior);
      return;
    }
    memo.inProgress.set(original, update, true);
    const start = this.differences.length;
    const base = this.pointer;
    try {
      run();
    } finally {
      memo.inProgress.delete(original, update);
    }
    const differences = this.differences.slice(start);
    const compatible = differences.every((difference) => this.compatibleKinds.has(difference.kind));
    memo.done.set(original, update, { base, differences, compatible });
    const assumed = memo.assumed.get(original, update);
    if (assumed !== undefined && assumed !== compatible) memo.revisit = true;
  }

  #replay(result: PairResult): void {
    const here = this.pointer;
    for (const difference of result.differences) {
      this.differences.push({
        ...difference,
        pointer: rebase(difference.pointer, result.base, here),
      });
    }
  }
}

/** Moves a pointer found under `from` to the same place under `to`. */
function rebase(pointer: string, from: string, to: string): string {
  if (from === to) return pointer;
  const rest = pointer.slice(from.length).replace(/^\//, '');
  if (rest === '') return to;
  return to.endsWith('/') ? `${to}${rest}` : `${to}/${rest}`;
}

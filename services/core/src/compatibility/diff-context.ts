import type { SchemaNode } from './schema-model';

/** One difference found, at a JSON pointer (`#/properties/amount`) into the schemas. */
export interface Difference {
  readonly kind: string;
  readonly pointer: string;
  readonly oldValue?: unknown;
  readonly newValue?: unknown;
}

/**
 * Where the comparison is and what it found. A subcontext shares the pairs in progress (so a
 * recursive schema ends instead of looping) and starts with the current path but its own
 * findings, so a branch can be tried and kept only if compatible.
 */
export class DiffContext {
  readonly differences: Difference[] = [];
  readonly #path: string[];

  constructor(
    readonly compatibleKinds: ReadonlySet<string>,
    readonly inProgress: Map<SchemaNode, Set<SchemaNode>> = new Map(),
    path: readonly string[] = [],
  ) {
    this.#path = [...path];
  }

  subcontext(): DiffContext {
    return new DiffContext(this.compatibleKinds, this.inProgress, this.#path);
  }

  get isCompatible(): boolean {
    return this.differences.every((difference) => this.compatibleKinds.has(difference.kind));
  }

  add(kind: string, values: { oldValue?: unknown; newValue?: unknown } = {}): void {
    this.differences.push({ kind, pointer: `#/${this.#path.join('/')}`, ...values });
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

  /** Runs `run` unless this pair is already being compared further up (a recursive schema). */
  once(original: SchemaNode, update: SchemaNode, run: () => void): void {
    let updates = this.inProgress.get(original);
    if (updates?.has(update) === true) return;
    if (updates === undefined) {
      updates = new Set();
      this.inProgress.set(original, updates);
    }
    updates.add(update);
    try {
      run();
    } finally {
      updates.delete(update);
    }
  }
}

import type { KV } from '@nats-io/kv';

/**
 * Whether a KV `create` or `update` failed because the entry changed under it (the key exists, or
 * its revision moved on): the compare-and-set lost, nothing is broken.
 */
export function isRevisionConflict(error: unknown): boolean {
  return error instanceof Error && /wrong last sequence|key exists/i.test(error.message);
}

/** What `updateWithRetry` reports when the key is missing or keeps changing. */
export interface CasUpdateErrors {
  readonly notFound: () => Error;
  readonly tooBusy: () => Error;
}

/**
 * Read-modify-write of one JSON entry as a compare-and-set on the revision read: a write that
 * lost to a concurrent one reads again and reapplies `change`, up to `attempts` times. `read`
 * turns the stored JSON into the value `change` sees (for entries stored by an older shape).
 */
export async function updateWithRetry<T>(
  kv: KV,
  key: string,
  change: (current: T) => T,
  options: CasUpdateErrors & { readonly attempts: number; readonly read: (stored: unknown) => T },
): Promise<{ readonly before: T; readonly after: T }> {
  for (let attempt = 0; attempt < options.attempts; attempt += 1) {
    const entry = await kv.get(key);
    if (entry === null || entry.operation !== 'PUT') throw options.notFound();
    const before = options.read(entry.json());
    const after = change(before);
    try {
      await kv.update(key, JSON.stringify(after), entry.revision);
      return { before, after };
    } catch (error) {
      if (!isRevisionConflict(error)) throw error;
      // someone else changed it in between: read again
    }
  }
  throw options.tooBusy();
}

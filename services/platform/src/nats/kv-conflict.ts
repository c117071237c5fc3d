/**
 * Whether a KV `create` or `update` failed because the entry changed under it (the key exists, or
 * its revision moved on): the compare-and-set lost, nothing is broken.
 */
export function isRevisionConflict(error: unknown): boolean {
  return error instanceof Error && /wrong last sequence|key exists/i.test(error.message);
}

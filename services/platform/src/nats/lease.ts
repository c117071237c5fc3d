import type { KV } from '@nats-io/kv';
import { isRevisionConflict } from './kv-conflict';

export interface LeaseRecord {
  readonly holder: string;
  readonly expiresAt: number;
}

/** The lease named `name` as it stands (held or lapsed), or undefined when nobody holds it. */
export async function readLease(kv: KV, name: string): Promise<LeaseRecord | undefined> {
  const entry = await kv.get(name);
  return entry === null || entry.operation !== 'PUT' ? undefined : entry.json<LeaseRecord>();
}

/**
 * Deletes the lease named `name` when it lapsed `graceMs` ago or longer: its holder is gone for
 * good (a worker that crashed never releases its lease, and each process has a name of its own).
 * A compare-and-set on the revision read, so a lease renewed or taken meanwhile is left alone.
 * True when it was deleted.
 */
export async function forgetLapsedLease(
  kv: KV,
  name: string,
  graceMs: number,
  now: () => number = Date.now,
): Promise<boolean> {
  const entry = await kv.get(name);
  if (entry === null || entry.operation !== 'PUT') return false;
  if (entry.json<LeaseRecord>().expiresAt + graceMs > now()) return false;
  try {
    await kv.delete(name, { previousSeq: entry.revision });
    return true;
  } catch (error) {
    if (isRevisionConflict(error)) return false;
    throw error;
  }
}

/**
 * A named lease in KV: at most one holder at a time, taken over when its holder stops renewing.
 * Every write is a compare-and-set on the entry's revision, so two contenders never both win.
 * Expiry compares wall clocks: hosts must agree within a fraction of `ttlMs`.
 */
export class KvLease {
  constructor(
    private readonly kv: KV,
    readonly name: string,
    readonly holder: string,
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes the lease when free or expired, renews it when held; false when another holds it. */
  async hold(): Promise<boolean> {
    const entry = await this.kv.get(this.name);
    const record = JSON.stringify({ holder: this.holder, expiresAt: this.now() + this.ttlMs });
    try {
      if (entry === null || entry.operation !== 'PUT') {
        await this.kv.create(this.name, record);
        return true;
      }
      const current = entry.json<LeaseRecord>();
      if (current.holder !== this.holder && current.expiresAt > this.now()) return false;
      await this.kv.update(this.name, record, entry.revision);
      return true;
    } catch (error) {
      if (isRevisionConflict(error)) return false;
      throw error;
    }
  }

  /** Gives the lease up (when held), so another holder need not wait for it to expire. */
  async release(): Promise<void> {
    const entry = await this.kv.get(this.name);
    if (entry === null || entry.operation !== 'PUT') return;
    if (entry.json<LeaseRecord>().holder !== this.holder) return;
    try {
      await this.kv.delete(this.name, { previousSeq: entry.revision });
    } catch (error) {
      if (!isRevisionConflict(error)) throw error;
    }
  }
}

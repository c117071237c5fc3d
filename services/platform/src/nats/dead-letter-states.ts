import type { KV } from '@nats-io/kv';
import { isRevisionConflict } from './kv-conflict';

/**
 * What a person or a replay job decided for one dead letter. Written once per dead letter with
 * `create`, so two jobs (or a job and a person resolving it) can never both claim it.
 */
export interface DeadLetterStateRecord {
  readonly state: 'replayed' | 'resolved';
  readonly by: string;
  readonly at: number;
  /** Why it was resolved without replay; `''` for a replay. */
  readonly reason: string;
  readonly jobId: string;
  /** The INGEST message id of the re-publication. */
  readonly replayedAs: string;
  /**
   * When INGEST acknowledged the re-publication. A job resumed after a crash publishes again
   * only what has none: INGEST's duplicate window (2 minutes) may be over by then.
   */
  readonly publishedAt?: number;
}

export type ClaimResult =
  | { readonly claimed: true }
  | { readonly claimed: false; readonly existing: DeadLetterStateRecord };

const key = (seq: number) => `dl.${seq}`;

export class DeadLetterStates {
  constructor(private readonly kv: KV) {}

  /** Claims a dead letter for `record`; when someone already did, says what they decided. */
  async claim(seq: number, record: DeadLetterStateRecord): Promise<ClaimResult> {
    try {
      await this.kv.create(key(seq), JSON.stringify(record));
      return { claimed: true };
    } catch (error) {
      if (!isRevisionConflict(error)) throw error;
      const existing = await this.get(seq);
      if (existing === undefined) throw error;
      return { claimed: false, existing };
    }
  }

  /**
   * Records that the re-publication of a dead letter was acknowledged, in the `record` its replay
   * job claimed it with (only that job writes the claim again, so no read is needed first).
   */
  async markPublished(seq: number, record: DeadLetterStateRecord, at: number): Promise<void> {
    await this.kv.put(key(seq), JSON.stringify({ ...record, publishedAt: at }));
  }

  async get(seq: number): Promise<DeadLetterStateRecord | undefined> {
    const entry = await this.kv.get(key(seq));
    return entry === null || entry.operation !== 'PUT'
      ? undefined
      : entry.json<DeadLetterStateRecord>();
  }
}

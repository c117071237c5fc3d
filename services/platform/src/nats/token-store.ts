import type { KV } from '@nats-io/kv';
import { ErrorCode, PlumblineError, type AccessTokenRecord } from '@plumbline/core';
import { mirrorBucket, type KvMirror } from './kv-mirror';
import { isRevisionConflict, updateWithRetry } from './kv-conflict';

const tokenKey = (id: string) => `token.${id}`;
const bootstrapKey = 'bootstrap';

/**
 * Access token records in a KV bucket, one key per token, kept in memory by a watch so every API
 * process sees a new or revoked token within milliseconds without a lookup per request.
 * Records hold the secret's hash only.
 */
export class TokenStore {
  readonly #records = new Map<string, AccessTokenRecord>();
  #mirror: KvMirror | undefined;

  constructor(readonly kv: KV) {}

  /** Starts the watch; resolves once every existing token is in memory. */
  async open(onError: (error: unknown) => void): Promise<void> {
    this.#mirror = await mirrorBucket(
      this.kv,
      (entry) => {
        if (!entry.key.startsWith('token.')) return;
        const id = entry.key.slice('token.'.length);
        if (entry.operation === 'PUT') this.#records.set(id, entry.json<AccessTokenRecord>());
        else this.#records.delete(id);
      },
      (error) => onError(error),
    );
    await this.#mirror.ready;
  }

  close(): void {
    this.#mirror?.stop();
  }

  /** From memory (kept current by the watch). */
  get(id: string): AccessTokenRecord | undefined {
    return this.#records.get(id);
  }

  list(): AccessTokenRecord[] {
    return [...this.#records.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Adds a new token; refuses to overwrite one with the same id. */
  async create(record: AccessTokenRecord): Promise<void> {
    try {
      await this.kv.create(tokenKey(record.id), JSON.stringify(record));
    } catch (error) {
      if (!isRevisionConflict(error)) throw error;
      throw new PlumblineError(ErrorCode.Conflict, `token ${record.id} already exists`, {
        cause: error,
      });
    }
    this.#records.set(record.id, record);
  }

  /**
   * Changes a stored token with compare-and-set, so two revocations (or a revocation racing an
   * update) cannot lose each other's write. Returns the record before and after.
   */
  async update(
    id: string,
    change: (record: AccessTokenRecord) => AccessTokenRecord,
  ): Promise<{ before: AccessTokenRecord; after: AccessTokenRecord }> {
    const updated = await updateWithRetry(this.kv, tokenKey(id), change, {
      attempts: 5,
      read: (stored) => stored as AccessTokenRecord,
      notFound: () => new PlumblineError(ErrorCode.NotFound, `no token ${id}`),
      tooBusy: () =>
        new PlumblineError(ErrorCode.Conflict, `token ${id} is changing too often; try again`),
    });
    this.#records.set(id, updated.after);
    return updated;
  }

  /**
   * Claims the one-time bootstrap: true for exactly one caller over the life of the bucket, even
   * when several processes start at once.
   */
  async claimBootstrap(at: Date): Promise<boolean> {
    try {
      await this.kv.create(bootstrapKey, JSON.stringify({ at: at.toISOString() }));
      return true;
    } catch (error) {
      if (isRevisionConflict(error)) return false; // another process claimed it
      throw error;
    }
  }

  /** Gives the bootstrap back when issuing its token failed, so the next start tries again. */
  async releaseBootstrap(): Promise<void> {
    await this.kv.delete(bootstrapKey);
  }
}

import type { KV } from '@nats-io/kv';
import { ErrorCode, PlumblineError, type ReplayJob } from '@plumbline/core';
import { mirrorBucket, type KvMirror } from './kv-mirror';
import { isRevisionConflict, updateWithRetry } from './kv-conflict';

const key = (id: string) => `job.${id}`;

/**
 * Replay jobs in KV, one key per job, mirrored in memory by a watch (lists cost no round trip).
 * Every change is a compare-and-set on the revision read, so a cancel and the runner's progress
 * never overwrite each other.
 */
export class ReplayJobStore {
  readonly #jobs = new Map<string, ReplayJob>();
  #mirror: KvMirror | undefined;

  constructor(private readonly kv: KV) {}

  /** Starts the watch; resolves once every existing job is in memory. */
  async open(onError: (error: unknown) => void): Promise<void> {
    this.#mirror = await mirrorBucket(
      this.kv,
      (entry) => {
        const id = entry.key.slice('job.'.length);
        if (entry.operation === 'PUT') this.#jobs.set(id, storedJob(entry.json()));
        else this.#jobs.delete(id);
      },
      onError,
    );
    await this.#mirror.ready;
  }

  close(): void {
    this.#mirror?.stop();
  }

  async create(job: ReplayJob): Promise<void> {
    try {
      await this.kv.create(key(job.id), JSON.stringify(job));
      this.#jobs.set(job.id, job);
    } catch (error) {
      if (!isRevisionConflict(error)) throw error;
      throw new PlumblineError(ErrorCode.Conflict, `replay job ${job.id} already exists`, {
        cause: error,
      });
    }
  }

  async get(id: string): Promise<ReplayJob | undefined> {
    const entry = await this.kv.get(key(id));
    return entry === null || entry.operation !== 'PUT' ? undefined : storedJob(entry.json());
  }

  /** Newest first, from memory (see `open`). */
  list(limit: number, state?: ReplayJob['state']): ReplayJob[] {
    return [...this.#jobs.values()]
      .filter((job) => state === undefined || job.state === state)
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, limit);
  }

  /** Applies `change` with compare-and-set, retrying on a concurrent write. */
  async update(id: string, change: (job: ReplayJob) => ReplayJob): Promise<ReplayJob> {
    const { after } = await updateWithRetry(this.kv, key(id), change, {
      attempts: 10,
      read: (stored) => storedJob(stored as StoredJob),
      notFound: () => new PlumblineError(ErrorCode.NotFound, `no replay job ${id}`),
      tooBusy: () =>
        new PlumblineError(ErrorCode.Conflict, `replay job ${id} is changing too fast; try again`),
    });
    this.#jobs.set(id, after);
    return after;
  }
}

/** A job as stored; jobs written before jobs had tenants count as over every tenant. */
type StoredJob = Omit<ReplayJob, 'tenants'> & { tenants?: readonly string[] };

function storedJob(stored: StoredJob): ReplayJob {
  return { ...stored, tenants: stored.tenants ?? ['*'] };
}

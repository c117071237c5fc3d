import type { KV } from '@nats-io/kv';
import { ErrorCode, PlumblineError, type ReplayJob } from '@plumbline/core';

const key = (id: string) => `job.${id}`;

/**
 * Replay jobs in KV, one key per job. Every change is a compare-and-set on the revision read, so
 * a cancel and the runner's progress never overwrite each other.
 */
export class ReplayJobStore {
  constructor(private readonly kv: KV) {}

  async create(job: ReplayJob): Promise<void> {
    try {
      await this.kv.create(key(job.id), JSON.stringify(job));
    } catch (error) {
      throw new PlumblineError(ErrorCode.Conflict, `replay job ${job.id} already exists`, {
        cause: error,
      });
    }
  }

  async get(id: string): Promise<ReplayJob | undefined> {
    const entry = await this.kv.get(key(id));
    return entry === null || entry.operation !== 'PUT' ? undefined : entry.json<ReplayJob>();
  }

  /** Newest first. */
  async list(limit: number): Promise<ReplayJob[]> {
    const jobs: ReplayJob[] = [];
    for await (const name of await this.kv.keys('job.>')) {
      const job = await this.get(name.slice('job.'.length));
      if (job !== undefined) jobs.push(job);
    }
    return jobs.sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);
  }

  /** Applies `change` with compare-and-set, retrying on a concurrent write. */
  async update(id: string, change: (job: ReplayJob) => ReplayJob): Promise<ReplayJob> {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const entry = await this.kv.get(key(id));
      if (entry === null || entry.operation !== 'PUT')
        throw new PlumblineError(ErrorCode.NotFound, `no replay job ${id}`);
      const after = change(entry.json<ReplayJob>());
      try {
        await this.kv.update(key(id), JSON.stringify(after), entry.revision);
        return after;
      } catch {
        continue; // changed in between: read again
      }
    }
    throw new PlumblineError(
      ErrorCode.Conflict,
      `replay job ${id} is changing too fast; try again`,
    );
  }
}

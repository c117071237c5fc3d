import type { KV } from '@nats-io/kv';
import type { PolicySet } from '@plumbline/core';
import { mirrorBucket, type KvMirror } from './kv-mirror';

const currentKey = 'current';

/** The policies in force, one value in a KV bucket (history kept), watched by every worker. */
export class PolicyStore {
  constructor(readonly kv: KV) {}

  async put(policies: PolicySet): Promise<void> {
    await this.kv.put(currentKey, JSON.stringify(policies));
  }

  async get(): Promise<PolicySet | undefined> {
    const entry = await this.kv.get(currentKey);
    return entry === null || entry.operation !== 'PUT' ? undefined : entry.json<PolicySet>();
  }

  mirror(
    apply: (policies: PolicySet) => void,
    onError: (error: unknown) => void,
  ): Promise<KvMirror> {
    return mirrorBucket(
      this.kv,
      (entry) => {
        if (entry.key === currentKey && entry.operation === 'PUT') apply(entry.json<PolicySet>());
      },
      onError,
    );
  }
}

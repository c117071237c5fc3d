import type { KV, KvEntry } from '@nats-io/kv';
import type {
  ContractRegistry,
  ContractSubject,
  ContractVersion,
  RegistryConfig,
} from '@plumbline/core';
import { mirrorBucket, type KvMirror } from './kv-mirror';
import { isRevisionConflict } from './kv-conflict';

/**
 * The contract registry's durable home: a NATS KV bucket (history kept).
 * Keys: `subject.<type>` → ContractSubject, `version.<type>.<n>` → ContractVersion.
 */
export class ContractStore {
  constructor(readonly kv: KV) {}

  async putSubject(subject: ContractSubject): Promise<void> {
    await this.kv.put(`subject.${subject.type}`, JSON.stringify(subject));
  }

  async putVersion(version: ContractVersion): Promise<void> {
    await this.kv.put(versionKey(version.type, version.version), JSON.stringify(version));
  }

  /** Writes a new version only if that number is still free; false when another writer took it. */
  async createVersion(version: ContractVersion): Promise<boolean> {
    try {
      await this.kv.create(versionKey(version.type, version.version), JSON.stringify(version));
      return true;
    } catch (error) {
      if (isRevisionConflict(error)) return false;
      throw error;
    }
  }

  async putConfig(config: RegistryConfig): Promise<void> {
    await this.kv.put(configKey, JSON.stringify(config));
  }

  async getVersion(type: string, version: number): Promise<ContractVersion | undefined> {
    const entry = await this.kv.get(versionKey(type, version));
    if (entry === null || entry.operation !== 'PUT') return undefined;
    return entry.json<ContractVersion>();
  }

  /** Keeps `registry` equal to the bucket, now and on every later change. */
  mirrorInto(registry: ContractRegistry, onError: (error: unknown) => void): Promise<KvMirror> {
    return mirrorBucket(this.kv, (entry) => applyEntry(registry, entry), onError);
  }
}

const configKey = 'config.global';

export function versionKey(type: string, version: number): string {
  return `version.${type}.${version}`;
}

function applyEntry(registry: ContractRegistry, entry: KvEntry): void {
  const deleted = entry.operation !== 'PUT';
  if (entry.key === configKey) {
    if (!deleted) registry.putConfig(entry.json<RegistryConfig>());
    return;
  }
  if (entry.key.startsWith('subject.')) {
    if (!deleted) registry.putSubject(entry.json<ContractSubject>());
    return;
  }
  if (entry.key.startsWith('version.')) {
    if (deleted) {
      const parts = entry.key.split('.');
      registry.removeVersion(parts.slice(1, -1).join('.'), Number(parts.at(-1)));
    } else {
      registry.putVersion(entry.json<ContractVersion>());
    }
  }
}

import type { KV, KvEntry } from '@nats-io/kv';

export interface KvMirror {
  /** Resolves once every value present at start has been applied. */
  readonly ready: Promise<void>;
  stop(): void;
}

/**
 * Applies every current value of a bucket, then every later change, to `apply`.
 * This is how workers see a new contract version or policy without a restart.
 */
export async function mirrorBucket(
  kv: KV,
  apply: (entry: KvEntry) => void,
  onError: (error: unknown, entry: KvEntry) => void,
): Promise<KvMirror> {
  const status = await kv.status();
  const watcher = await kv.watch();
  let markReady = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  if (status.values === 0) markReady();
  void (async () => {
    for await (const entry of watcher) {
      try {
        apply(entry);
      } catch (error) {
        onError(error, entry);
      }
      if (entry.delta === 0) markReady();
    }
  })();
  return { ready, stop: () => watcher.stop() };
}

import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';

/** Where the output of an INGEST message was stored. */
export interface PublishedOutput {
  readonly stream: string;
  readonly seq: number;
}

const keyOf = (ingestSeq: number) => `ingest.${ingestSeq}`;

/**
 * How old the set of recorded keys may be when a batch is checked against it. A record matters
 * only to a message its holder gave back (a nak with a delay of a second or more) or left to the
 * ack wait (30 s), so it was written well before that message can come again.
 */
const keysMaxAgeMs = 500;

/**
 * Outputs published whose lineage is not yet written, by INGEST sequence, in a KV bucket: what
 * keeps a message from being published twice when the worker holding it dies during a
 * ClickHouse outage. Its redelivery may come after the output streams' duplicate window (10
 * minutes), where a second publish would store a second copy; the next worker finds the output
 * here instead and writes the lineage row for it.
 *
 * Written only once a lineage insert has failed (the normal path stays one publish per message);
 * looked up against the set of recorded keys, read at most twice a second (a stream info while
 * the bucket is empty, its keys while it is not); each entry removed once its lineage is written,
 * without a delete marker, so that an empty bucket means there is nothing to look up.
 */
export class PublishedOutputs {
  readonly #stream: string;
  readonly #subjectPrefix: string;
  #keys: { readonly readAt: number; readonly keys: ReadonlySet<string> } | undefined;

  constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    bucket: string,
    private readonly now: () => number = () => performance.now(),
  ) {
    // A KV bucket is the stream `KV_<bucket>` with one subject `$KV.<bucket>.<key>` per key.
    this.#stream = `KV_${bucket}`;
    this.#subjectPrefix = `$KV.${bucket}.`;
  }

  async record(outputs: ReadonlyMap<number, PublishedOutput>): Promise<void> {
    await Promise.all(
      [...outputs].map(([ingestSeq, output]) =>
        this.kv.put(keyOf(ingestSeq), JSON.stringify(output)),
      ),
    );
  }

  /** The recorded outputs of these INGEST messages, for those that have one. */
  async find(ingestSeqs: readonly number[]): Promise<Map<number, PublishedOutput>> {
    const found = new Map<number, PublishedOutput>();
    if (ingestSeqs.length === 0) return found;
    const keys = await this.#recordedKeys();
    if (keys.size === 0) return found;
    await Promise.all(
      ingestSeqs
        .filter((ingestSeq) => keys.has(keyOf(ingestSeq)))
        .map(async (ingestSeq) => {
          const entry = await this.kv.get(keyOf(ingestSeq));
          if (entry !== null && entry.operation === 'PUT')
            found.set(ingestSeq, entry.json<PublishedOutput>());
        }),
    );
    return found;
  }

  async #recordedKeys(): Promise<ReadonlySet<string>> {
    if (this.#keys !== undefined && this.now() - this.#keys.readAt <= keysMaxAgeMs)
      return this.#keys.keys;
    const readAt = this.now();
    const keys = new Set<string>();
    if ((await this.kv.status()).values > 0)
      for await (const key of await this.kv.keys()) keys.add(key);
    this.#keys = { readAt, keys };
    return keys;
  }

  /** Removes the entries of these INGEST messages (their lineage is written). */
  async forget(ingestSeqs: readonly number[]): Promise<void> {
    await Promise.all(
      ingestSeqs.map((ingestSeq) =>
        this.jsm.streams.purge(this.#stream, {
          filter: `${this.#subjectPrefix}${keyOf(ingestSeq)}`,
        }),
      ),
    );
  }
}

import {
  createInbox,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/nats-core';

export interface OutboundMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** JetStream deduplication id (`Nats-Msg-Id`). */
  readonly msgId: string;
  readonly headers: MsgHdrs;
}

export interface PublishAck {
  readonly stream: string;
  readonly seq: number;
  readonly duplicate: boolean;
}

interface Pending {
  resolve(ack: PublishAck): void;
  reject(error: Error): void;
}

/**
 * JetStream publishing for a batch: every message goes out with a reply subject under one shared
 * inbox, and the batch resolves when every PubAck is in (or rejects on the first error, or after
 * `timeoutMs`). One subscription and one timer per batch, instead of a request (with its own
 * inbox entry, timer and error objects) per message: the worker's hottest path.
 */
export class BatchPublisher {
  readonly #nc: NatsConnection;
  readonly #prefix: string;
  readonly #subscription: Subscription;
  readonly #pending = new Map<number, Pending>();
  readonly #decoder = new TextDecoder();
  #next = 0;

  constructor(
    nc: NatsConnection,
    private readonly timeoutMs = 10_000,
  ) {
    this.#nc = nc;
    this.#prefix = createInbox();
    this.#subscription = nc.subscribe(`${this.#prefix}.*`, {
      callback: (error, message) => {
        if (error !== null) return;
        const id = Number(message.subject.slice(this.#prefix.length + 1));
        const pending = this.#pending.get(id);
        if (pending === undefined) return; // a late ack for a batch that already timed out
        this.#pending.delete(id);
        if (message.headers?.hasError === true) {
          pending.reject(
            new Error(`publish failed: ${message.headers.code} ${message.headers.description}`),
          );
          return;
        }
        const ack = JSON.parse(this.#decoder.decode(message.data)) as {
          stream?: string;
          seq?: number;
          duplicate?: boolean;
          error?: { code: number; description: string };
        };
        if (ack.error !== undefined || ack.stream === undefined || ack.seq === undefined) {
          pending.reject(
            new Error(`publish refused: ${ack.error?.description ?? 'no stream in the reply'}`),
          );
          return;
        }
        pending.resolve({ stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate === true });
      },
    });
  }

  /** Publishes every message; resolves with their acks in order, once all are durable. */
  publishAll(messages: readonly OutboundMessage[]): Promise<PublishAck[]> {
    if (messages.length === 0) return Promise.resolve([]);
    const ids: number[] = [];
    const acks = messages.map((message) => {
      const id = (this.#next = (this.#next + 1) % Number.MAX_SAFE_INTEGER);
      ids.push(id);
      const ack = new Promise<PublishAck>((resolve, reject) =>
        this.#pending.set(id, { resolve, reject }),
      );
      message.headers.set('Nats-Msg-Id', message.msgId);
      this.#nc.publish(message.subject, message.data, {
        reply: `${this.#prefix}.${id}`,
        headers: message.headers,
      });
      return ack;
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no PubAck within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    return Promise.race([Promise.all(acks), timeout]).finally(() => {
      clearTimeout(timer);
      for (const id of ids) this.#pending.delete(id);
    });
  }

  close(): void {
    this.#subscription.unsubscribe();
    for (const pending of this.#pending.values()) pending.reject(new Error('publisher closed'));
    this.#pending.clear();
  }
}

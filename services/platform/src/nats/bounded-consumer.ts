import {
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/nats-core';

/** Where and how often a message was delivered, from its JetStream reply subject. */
export interface DeliveryInfo {
  readonly stream: string;
  readonly consumer: string;
  readonly deliveryCount: number;
  readonly streamSequence: number;
  readonly deliverySequence: number;
  readonly timestampNanos: number;
  /** Messages left for the consumer after this one, when it was delivered. */
  readonly pending: number;
}

/** A message taken from a pull consumer: it counts against the budget until it is settled. */
export interface PulledMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: MsgHdrs | undefined;
  /** Stream sequence. */
  readonly seq: number;
  readonly info: DeliveryInfo;
  /** What it counts against the byte budget: subject, reply, headers and body. */
  readonly size: number;
  ack(): void;
  /** Gives the message back, for redelivery after `delayMs` (at once without it). */
  nak(delayMs?: number): void;
  /** In-progress ack: restarts the consumer's ack wait. Does not settle the message. */
  working(): void;
}

export interface BoundedConsumerOptions {
  readonly stream: string;
  /**
   * Durable consumers of `stream` to pull, sharing the budgets (each asked for its share at a
   * time); more can be added and some removed while pulling.
   */
  readonly consumers: readonly string[];
  /** Messages taken and not yet settled, at most. */
  readonly maxMessages: number;
  /**
   * Their bytes, at most. Raised, if need be, to the largest message the server accepts (its
   * `max_payload` plus room for the subjects): a smaller budget could never take that message.
   */
  readonly maxBytes: number;
  /**
   * Most bytes asked for and not yet delivered, across pull requests (raised, like `maxBytes`, to
   * the largest message): the server sends what a request allows as fast as it can, and
   * disconnects a client with more than its `max_pending` (64 MB by default) waiting to be read
   * as a slow consumer. Default 32 MiB.
   */
  readonly maxInFlightBytes?: number;
  /** A pull request's life; the server then ends it and another is made. */
  readonly expiresMs?: number;
  /**
   * The server's idle heartbeat for a pull request (at most half of `expiresMs`); two missed and
   * the request is given up.
   */
  readonly heartbeatMs?: number;
  readonly apiPrefix?: string;
  /** Told of anything the server refuses (a deleted consumer, a bad request); pulling goes on. */
  readonly onProblem?: (problem: string) => void;
}

export interface BoundedMessages extends AsyncIterable<PulledMessage> {
  /** Taken and not yet settled: delivered but not yet iterated, and iterated but not settled. */
  held(): { readonly messages: number; readonly bytes: number };
  /** The byte budget in force (`maxBytes`, or the largest message when that is larger). */
  readonly maxBytes: number;
  /**
   * An in-progress ack for every message held for `ms` or more since it was taken (or since its
   * last one), wherever it is: JetStream does not redeliver what is still being worked on.
   */
  keepAlive(ms: number): void;
  /** The consumers being pulled. */
  consumers(): readonly string[];
  /** Starts pulling one more consumer, within the same budgets. */
  addConsumer(name: string): void;
  /**
   * Stops asking a consumer for messages. Its requests still out run their course (until
   * fulfilled or expired, `expiresMs` at most): what they bring is yielded like the rest, so
   * nothing delivered goes unread to wait out the ack wait.
   */
  removeConsumer(name: string): void;
  /** Stops pulling. Messages already delivered are still yielded; then iteration ends. */
  stop(): void;
}

/** Beyond `max_payload`, a delivered message's size counts its subject and reply subject. */
const subjectRoom = 64 * 1024;
/** How long past its expiry a request may still bring something (the server times it from receipt). */
const expiryGraceMs = 200;
const ACK = Uint8Array.of(43, 65, 67, 75); // +ACK
const NAK = Uint8Array.of(45, 78, 65, 75); // -NAK
const WPI = Uint8Array.of(43, 87, 80, 73); // +WPI
const encoder = new TextEncoder();

/**
 * Pulls durable JetStream consumers of one stream, holding at most `maxMessages` messages and
 * `maxBytes` bytes that are taken and not yet settled (acked or nak'ed), however slowly they are
 * processed: memory is bounded by bytes as well as count, whatever size the messages are. With
 * several consumers (a worker's partitions of INGEST), each has one request out at a time, for
 * its share of the budgets at most, so an idle one holds no room a busy one needs.
 *
 * Each pull request asks for what is free of both budgets (JetStream honours `batch` and
 * `max_bytes` together; nats.js's `consume` takes one or the other) and has its own inbox
 * subscription, so every message and status is charged to the request it answers (a delivered
 * message carries its stream subject, not the inbox it was sent to). What is asked for and not
 * yet delivered stays under `maxInFlightBytes`, below the server's slow-consumer limit. A
 * request is only made while the free bytes can hold the largest possible message, so the first
 * message always fits; when the next does not, the server ends the request ("Message Size
 * Exceeds MaxBytes") and a new one is made as settled messages free room. A request that goes
 * quiet for two idle heartbeats (a broker restart, a lost connection) is given up and its share
 * made free again.
 */
export function consumeBounded(
  nc: NatsConnection,
  options: BoundedConsumerOptions,
): BoundedMessages {
  return new BoundedConsumer(nc, options);
}

interface PullRequest {
  readonly consumer: string;
  readonly subscription: Subscription;
  /** Nothing brought yet: while so, its consumer gets no other request (it has nothing more). */
  waiting: boolean;
  /** When it was made (`performance.now()`): the server ends it `expiresMs` after. */
  readonly madeAt: number;
  /** Messages the server may still send for it: at 0 the request is done. */
  left: number;
  /** Its share of the budgets, not yet used by what it brought. */
  messages: number;
  bytes: number;
  lastHeardAt: number;
}

class BoundedConsumer implements BoundedMessages {
  readonly maxBytes: number;
  readonly #nc: NatsConnection;
  readonly #options: BoundedConsumerOptions;
  readonly #api: string;
  /** Pulled in turn: `#turn` is where the next request starts looking. */
  readonly #consumers: string[];
  #turn = 0;
  readonly #expiresMs: number;
  readonly #heartbeatMs: number;
  readonly #maxInFlightBytes: number;
  /** Free bytes needed before a request is made: a quarter of the budget, and a whole message. */
  readonly #refillBytes: number;
  /** The largest message the server accepts, as delivered: every request must have room for it. */
  readonly #largest: number;
  readonly #requests = new Set<PullRequest>();
  readonly #reserved = { messages: 0, bytes: 0 };
  readonly #held = { messages: 0, bytes: 0 };
  readonly #queue: PulledMessage[] = [];
  /** Taken and not settled, in the order taken. */
  readonly #unsettled = new Set<Pulled>();
  #queueHead = 0;
  #waiter: ((result: IteratorResult<PulledMessage>) => void) | undefined;
  #stopped = false;
  #pausedUntil = 0;
  #pauseTimer: NodeJS.Timeout | undefined;
  readonly #watchdog: NodeJS.Timeout;

  constructor(nc: NatsConnection, options: BoundedConsumerOptions) {
    this.#nc = nc;
    this.#options = options;
    this.#api = options.apiPrefix ?? '$JS.API';
    this.#consumers = [...new Set(options.consumers)];
    this.#expiresMs = options.expiresMs ?? 30_000;
    // The server refuses a heartbeat longer than half the request's life.
    this.#heartbeatMs = Math.min(options.heartbeatMs ?? 5_000, this.#expiresMs / 2);
    const largest = (nc.info?.max_payload ?? 1024 * 1024) + subjectRoom;
    this.#largest = largest;
    this.maxBytes = Math.max(options.maxBytes, largest);
    this.#maxInFlightBytes = Math.max(options.maxInFlightBytes ?? 32 * 1024 * 1024, largest);
    this.#refillBytes = Math.max(
      largest,
      Math.ceil(Math.min(this.maxBytes, this.#maxInFlightBytes) / 4),
    );
    // Requests past their life: the server has ended them, and does not always say so (nats-server
    // 2.9 now and then sends no 408 for one partly filled), so their consumer is asked again
    // within a few tenths of a second rather than after two silent heartbeats. Lost requests: no
    // message, heartbeat or end for two heartbeats (a broker restart, a deleted consumer).
    this.#watchdog = setInterval(
      () => {
        const now = performance.now();
        const quietSince = now - 2 * this.#heartbeatMs - 1_000;
        let lost = 0;
        for (const request of this.#requests)
          if (request.madeAt + this.#expiresMs + expiryGraceMs < now) {
            this.#end(request);
          } else if (request.lastHeardAt < quietSince) {
            this.#end(request);
            lost += 1;
          }
        // After a broker restart once; every time while the consumer does not exist.
        if (lost > 0)
          this.#problem(
            `no word from the server on ${lost} pull request(s) for ${2 * this.#heartbeatMs + 1_000} ms; asking again`,
          );
        this.#refill();
      },
      Math.min(this.#heartbeatMs, 250),
    );
    void nc.closed().then(() => this.stop());
    this.#refill();
  }

  held() {
    return { messages: this.#held.messages, bytes: this.#held.bytes };
  }

  keepAlive(ms: number): void {
    const now = performance.now();
    for (const message of this.#unsettled)
      if (message.aliveAt <= now - ms) {
        message.working();
        message.aliveAt = now;
      }
  }

  consumers(): readonly string[] {
    return [...this.#consumers];
  }

  addConsumer(name: string): void {
    if (this.#consumers.includes(name)) return;
    this.#consumers.push(name);
    this.#refill();
  }

  removeConsumer(name: string): void {
    const at = this.#consumers.indexOf(name);
    if (at < 0) return;
    this.#consumers.splice(at, 1);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#watchdog);
    clearTimeout(this.#pauseTimer);
    for (const request of this.#requests) request.subscription.unsubscribe();
    this.#requests.clear();
    this.#wake();
  }

  [Symbol.asyncIterator](): AsyncIterator<PulledMessage> {
    return {
      next: () => {
        const message = this.#take();
        if (message !== undefined) return Promise.resolve({ value: message, done: false });
        if (this.#stopped) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.#waiter = resolve));
      },
      return: () => {
        this.stop();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  #take(): PulledMessage | undefined {
    if (this.#queueHead === this.#queue.length) return undefined;
    const message = this.#queue[this.#queueHead];
    this.#queueHead += 1;
    if (this.#queueHead === this.#queue.length) {
      this.#queue.length = 0;
      this.#queueHead = 0;
    } else if (this.#queueHead >= 1_024 && this.#queueHead * 2 >= this.#queue.length) {
      // Never quite drained: drop what was taken, so the array does not grow for ever.
      this.#queue.splice(0, this.#queueHead);
      this.#queueHead = 0;
    }
    return message;
  }

  #wake(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    const message = this.#take();
    if (message === undefined && !this.#stopped) return;
    this.#waiter = undefined;
    waiter(
      message === undefined ? { value: undefined, done: true } : { value: message, done: false },
    );
  }

  #receive(request: PullRequest, message: Msg): void {
    request.lastHeardAt = performance.now();
    if (message.reply === undefined || message.reply === '') {
      this.#status(request, message.headers);
      return;
    }
    let pulled: Pulled;
    try {
      pulled = new Pulled(message, this.#release);
    } catch (error) {
      this.#problem(error instanceof Error ? error.message : String(error));
      return;
    }
    this.#held.messages += 1;
    this.#held.bytes += pulled.size;
    this.#unsettled.add(pulled);
    // (A request given up has been unsubscribed: whatever it still brings goes unread and is
    // redelivered after the ack wait.)
    if (this.#requests.has(request)) {
      const first = request.waiting;
      request.waiting = false;
      request.left -= 1;
      this.#charge(request, Math.min(1, request.messages), Math.min(pulled.size, request.bytes));
      if (request.left === 0) {
        this.#end(request); // fulfilled: nothing more can come on its inbox
      } else if (request.bytes === 0) {
        // Its bytes are spent, so its remaining count is free for another request; the server
        // ends this one with a status (it cannot send more than max_bytes), heard all the same.
        this.#charge(request, request.messages, 0);
        this.#refill();
      } else if (first) {
        this.#refill(); // its consumer has messages: it may be asked for more
      }
    }
    this.#queue.push(pulled);
    this.#wake();
  }

  #status(request: PullRequest, headers: MsgHdrs | undefined): void {
    const code = headers?.code ?? 0;
    if (code === 100) return; // idle heartbeat: the request is alive
    if (this.#requests.has(request)) this.#end(request);
    // 404/408: no messages or the request expired; 409 "Message Size Exceeds MaxBytes": the next
    // message needs more room than is left. Anything else is worth a word and a pause.
    if (code === 404 || code === 408) return;
    const description = headers?.description ?? '';
    if (code === 409 && /size exceeds maxbytes/i.test(description)) return;
    this.#problem(`pull request ended by the server: ${code} ${description}`);
    this.#pausedUntil = performance.now() + 1_000;
  }

  #end(request: PullRequest): void {
    this.#requests.delete(request);
    request.subscription.unsubscribe();
    this.#charge(request, request.messages, request.bytes);
    this.#refill();
  }

  /** Moves `messages` and `bytes` of a request's share out of the reserved budget. */
  #charge(request: PullRequest, messages: number, bytes: number): void {
    request.messages -= messages;
    request.bytes -= bytes;
    this.#reserved.messages -= messages;
    this.#reserved.bytes -= bytes;
  }

  readonly #release = (message: Pulled): void => {
    this.#unsettled.delete(message);
    this.#held.messages -= 1;
    this.#held.bytes -= message.size;
    this.#refill();
  };

  #refill(): void {
    if (this.#stopped || this.#nc.isClosed()) return;
    const wait = this.#pausedUntil - performance.now();
    if (wait > 0) {
      this.#pauseTimer ??= setTimeout(() => {
        this.#pauseTimer = undefined;
        this.#refill();
      }, wait);
      return;
    }
    // Each consumer is asked for its share of the budgets at most (all of what is free when
    // there is one), so a consumer with nothing to bring cannot hold the others' room. Every
    // request has room for the largest message, so with many consumers what may be asked for at
    // once grows to one such message each.
    const shares = Math.max(1, this.#consumers.length);
    const shareMessages = Math.max(1, Math.floor(this.#options.maxMessages / shares));
    const shareBytes = Math.max(
      this.#largest,
      Math.floor(Math.min(this.maxBytes, this.#maxInFlightBytes) / shares),
    );
    const maxInFlightBytes = Math.max(this.#maxInFlightBytes, shares * this.#largest);
    const leastMessages = Math.max(1, Math.ceil(shareMessages / 4));
    const leastBytes = Math.min(this.#refillBytes, shareBytes);
    for (let consumer = this.#nextToAsk(); consumer !== undefined; consumer = this.#nextToAsk()) {
      const messages = Math.min(
        this.#options.maxMessages - this.#held.messages - this.#reserved.messages,
        shareMessages,
      );
      const bytes = Math.min(
        this.maxBytes - this.#held.bytes - this.#reserved.bytes,
        maxInFlightBytes - this.#reserved.bytes,
        shareBytes,
      );
      if (messages < leastMessages || bytes < leastBytes) return;
      this.#request(consumer, messages, bytes);
    }
  }

  /**
   * The consumer to ask next, in turn. With one consumer: itself, unless its last request has
   * brought nothing yet (it has no more to give). With several: one with no request out, so
   * each always has one while there is room, and none takes room another is waiting for.
   */
  #nextToAsk(): string | undefined {
    const count = this.#consumers.length;
    for (let offset = 0; offset < count; offset += 1) {
      const at = (this.#turn + offset) % count;
      const consumer = this.#consumers[at] ?? '';
      let open = false;
      let waiting = false;
      for (const request of this.#requests)
        if (request.consumer === consumer) {
          open = true;
          waiting ||= request.waiting;
        }
      if (waiting || (open && count > 1)) continue;
      this.#turn = (at + 1) % count;
      return consumer;
    }
    return undefined;
  }

  #request(consumer: string, messages: number, bytes: number): void {
    const inbox = createInbox();
    const request: PullRequest = {
      consumer,
      subscription: this.#nc.subscribe(inbox, {
        callback: (error, message) => {
          if (error === null) this.#receive(request, message);
          else this.#problem(`pull subscription failed: ${error.message}`);
        },
      }),
      waiting: true,
      madeAt: performance.now(),
      left: messages,
      messages,
      bytes,
      lastHeardAt: performance.now(),
    };
    this.#requests.add(request);
    this.#reserved.messages += messages;
    this.#reserved.bytes += bytes;
    this.#nc.publish(
      `${this.#api}.CONSUMER.MSG.NEXT.${this.#options.stream}.${consumer}`,
      JSON.stringify({
        batch: messages,
        max_bytes: bytes,
        expires: this.#expiresMs * 1_000_000,
        idle_heartbeat: this.#heartbeatMs * 1_000_000,
      }),
      { reply: inbox },
    );
  }

  #problem(problem: string): void {
    this.#options.onProblem?.(problem);
  }
}

class Pulled implements PulledMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: MsgHdrs | undefined;
  readonly seq: number;
  readonly info: DeliveryInfo;
  readonly size: number;
  readonly #message: Msg;
  /** When it was taken, or last given an in-progress ack (`performance.now()`). */
  aliveAt = performance.now();
  readonly #release: (message: Pulled) => void;
  #settled = false;

  constructor(message: Msg, release: (message: Pulled) => void) {
    this.#message = message;
    this.#release = release;
    this.subject = message.subject;
    this.data = message.data;
    this.headers = message.headers;
    const reply = message.reply ?? '';
    this.info = parseDeliveryInfo(reply);
    this.seq = this.info.streamSequence;
    this.size = messageSize(message);
  }

  ack(): void {
    this.#settle(ACK);
  }

  nak(delayMs?: number): void {
    this.#settle(
      delayMs === undefined || delayMs <= 0
        ? NAK
        : encoder.encode(`-NAK ${JSON.stringify({ delay: Math.round(delayMs * 1_000_000) })}`),
    );
  }

  working(): void {
    if (!this.#settled) this.#message.respond(WPI);
  }

  #settle(payload: Uint8Array): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#message.respond(payload);
    this.#release(this);
  }
}

/**
 * Reads a JetStream reply subject: `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.
 * <consumer seq>.<timestamp>.<pending>`, or the newer form with `<domain>.<account hash>` after
 * `ACK` and a random token at the end.
 */
export function parseDeliveryInfo(reply: string): DeliveryInfo {
  const tokens = reply.split('.');
  const at = tokens.length === 9 ? 2 : 4;
  if (tokens[0] !== '$JS' || tokens[1] !== 'ACK' || (tokens.length !== 9 && tokens.length < 11))
    throw new Error(`not a JetStream delivery: reply subject "${reply}"`);
  const number = (offset: number) => Number(tokens[at + offset]);
  return {
    stream: tokens[at] ?? '',
    consumer: tokens[at + 1] ?? '',
    deliveryCount: number(2),
    streamSequence: number(3),
    deliverySequence: number(4),
    timestampNanos: number(5),
    pending: number(6),
  };
}

/** The size the server charges against `max_bytes`, as nats.js reckons it. */
function messageSize(message: Msg): number {
  // The core client knows the raw size of headers and body; its public type does not say so.
  const raw = (message as Msg & { size?: () => number }).size?.();
  return raw ?? message.subject.length + (message.reply?.length ?? 0) + message.data.byteLength;
}

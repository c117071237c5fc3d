/**
 * `consumeBounded` on a real nats-server: what it takes is bounded by count and by bytes, a
 * message as large as the server allows is never stuck behind smaller ones, and every message
 * arrives once.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import {
  connectNats,
  consumeBounded,
  type BoundedMessages,
  type PulledMessage,
} from '@plumbline/platform';
import type { NatsConnection } from '@nats-io/nats-core';
import { eventually } from '../support/eventually';
import { startTestNats, type TestNats } from '../support/test-nats';

const stream = 'BOUNDED';
const KiB = 1024;
const MiB = 1024 * KiB;
let nats: TestNats;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let consumer = '';
let messages: BoundedMessages | undefined;

beforeAll(async () => {
  nats = await startTestNats();
  nc = await connectNats(nats.url, 'bounded-consumer-test');
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: ['bounded.>'] });
});
afterAll(async () => {
  messages?.stop();
  await nc?.close();
  await nats?.stop();
});

let run = 0;
beforeEach(async () => {
  messages?.stop();
  messages = undefined;
  await jsm.streams.purge(stream);
  run += 1;
  consumer = `bounded-${run}`;
  await jsm.consumers.add(stream, {
    durable_name: consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: 60 * 1_000_000_000,
  });
});

let published = 0;
async function publish(count: number, size: number, tag = 'm'): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const body = new Uint8Array(size).fill(97);
    await js.publish(`bounded.${tag}`, body, { msgID: `${tag}-${run}-${(published += 1)}` });
  }
}

/** Reads from `source` into `into` in the background, settling nothing. */
function collect(source: BoundedMessages, into: PulledMessage[]): Promise<void> {
  return (async () => {
    for await (const message of source) into.push(message);
  })();
}

const serverHeld = async () => (await jsm.consumers.info(stream, consumer)).num_ack_pending;
const settle = (held: PulledMessage[]) => held.splice(0).forEach((message) => message.ack());

it('holds at most maxMessages unsettled messages, and takes more as they are settled', async () => {
  await publish(50, 100);
  messages = consumeBounded(nc, {
    stream,
    consumers: [consumer],
    maxMessages: 8,
    maxBytes: 64 * MiB,
  });
  const held: PulledMessage[] = [];
  const done = collect(messages, held);
  await eventually('a first pull', () => Promise.resolve(held.length === 8 || undefined));
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(held).toHaveLength(8);
  expect(await serverHeld()).toBe(8);
  expect(messages.held()).toMatchObject({ messages: 8 });

  const seen = new Set<number>();
  await eventually('all 50, settled as they come', () => {
    for (const message of held) seen.add(message.seq);
    settle(held);
    return Promise.resolve(seen.size === 50 || undefined);
  });
  expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  expect(messages.held()).toEqual({ messages: 0, bytes: 0 });
  messages.stop();
  await done;
});

it('holds at most maxBytes of messages, whatever their count', async () => {
  await publish(60, 200 * KiB);
  // 10 MiB (above the server's 8 MiB max_payload, so the budget is taken as given) is room
  // for 51 of these; a count-only consumer would take all 60.
  messages = consumeBounded(nc, {
    stream,
    consumers: [consumer],
    maxMessages: 1_000,
    maxBytes: 10 * MiB,
  });
  expect(messages.maxBytes).toBe(10 * MiB);
  const held: PulledMessage[] = [];
  const done = collect(messages, held);
  await eventually('a first pull', () => Promise.resolve(held.length > 40 || undefined));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const taken = held.length;
  expect(taken).toBeLessThanOrEqual(51);
  expect(await serverHeld()).toBe(taken);
  expect(messages.held().bytes).toBeLessThanOrEqual(10 * MiB);
  expect(messages.held().bytes).toBe(held.reduce((sum, message) => sum + message.size, 0));

  let received = taken;
  settle(held);
  await eventually('the rest once room is made', () => {
    received += held.length;
    settle(held);
    return Promise.resolve(received === 60 || undefined);
  });
  messages.stop();
  await done;
});

it('takes a message as large as the server allows right after smaller ones fill the budget', async () => {
  // 40 of 200 KiB leave too little room for the 8 MiB one behind them: the server ends the pull
  // ("Message Size Exceeds MaxBytes"), and the next pull, once the small ones are settled, must
  // take it at once, not after missed heartbeats (as nats.js's consume in bytes mode does).
  await publish(40, 200 * KiB, 'small');
  await publish(1, 8 * MiB - 4 * KiB, 'large');
  await publish(5, 100, 'tail');
  messages = consumeBounded(nc, {
    stream,
    consumers: [consumer],
    maxMessages: 1_000,
    maxBytes: 10 * MiB,
    heartbeatMs: 15_000, // a stall would not be rescued by the watchdog within this test
  });
  const subjects: string[] = [];
  const done = (async () => {
    for await (const message of messages) {
      subjects.push(message.subject);
      message.ack();
    }
  })();
  await eventually(
    'all 46 messages',
    () => Promise.resolve(subjects.length === 46 || undefined),
    10_000,
  );
  expect(subjects.filter((subject) => subject === 'bounded.large')).toHaveLength(1);
  expect(subjects.slice(40, 41)).toEqual(['bounded.large']);
  messages.stop();
  await done;
});

it('raises a budget smaller than the largest possible message to hold one', async () => {
  messages = consumeBounded(nc, {
    stream,
    consumers: [consumer],
    maxMessages: 10,
    maxBytes: 1 * MiB,
  });
  expect(messages.maxBytes).toBeGreaterThanOrEqual(8 * MiB);
  await publish(1, 8 * MiB - 4 * KiB, 'large');
  const iterator = messages[Symbol.asyncIterator]();
  const first = await iterator.next();
  expect(first.done).toBe(false);
  if (first.done !== true) {
    expect(first.value.data.byteLength).toBe(8 * MiB - 4 * KiB);
    first.value.ack();
  }
});

it('gives a nak with a delay back for redelivery after the delay, counting the delivery', async () => {
  await publish(1, 100);
  messages = consumeBounded(nc, {
    stream,
    consumers: [consumer],
    maxMessages: 10,
    maxBytes: 64 * MiB,
  });
  const iterator = messages[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done === true) throw new Error('no message');
  expect(first.value.info.deliveryCount).toBe(1);
  first.value.nak(300);
  expect(messages.held()).toEqual({ messages: 0, bytes: 0 });
  first.value.ack(); // settled already: no effect
  const second = await iterator.next();
  if (second.done === true) throw new Error('no redelivery');
  expect(second.value.seq).toBe(first.value.seq);
  expect(second.value.info.deliveryCount).toBe(2);
  second.value.ack();
  await eventually('no message left', async () =>
    (await jsm.consumers.info(stream, consumer)).num_ack_pending === 0 ? true : undefined,
  );
});

it('ends iteration on stop, after what was already delivered', async () => {
  await publish(5, 100);
  messages = consumeBounded(nc, {
    stream,
    consumers: [consumer],
    maxMessages: 10,
    maxBytes: 64 * MiB,
  });
  const held: PulledMessage[] = [];
  const done = collect(messages, held);
  await eventually('five messages', () => Promise.resolve(held.length === 5 || undefined));
  messages.stop();
  await done;
  settle(held);
  expect(messages.held()).toEqual({ messages: 0, bytes: 0 });
});

it('makes a new pull request when a broker restart loses the one waiting', async () => {
  messages = consumeBounded(nc, {
    stream,
    consumers: [consumer],
    maxMessages: 10,
    maxBytes: 64 * MiB,
    heartbeatMs: 1_000,
  });
  const held: PulledMessage[] = [];
  const done = collect(messages, held);
  await new Promise((resolve) => setTimeout(resolve, 300)); // the first request is waiting
  await nats.restart();
  await eventually('reconnected', () =>
    js.publish('bounded.after', 'x').then(
      () => true,
      () => undefined,
    ),
  );
  // The restarted server knows nothing of the old request: only a new one brings this message.
  await eventually('the message published after the restart', () =>
    Promise.resolve(held.length === 1 || undefined),
  );
  expect(held[0]?.subject).toBe('bounded.after');
  settle(held);
  messages.stop();
  await done;
});

it('asks for no more at once than the server lets wait for a client, however large the budget', async () => {
  // 40 of 4 MiB, read slowly under a 256 MiB budget: asked for all at once, the server would
  // queue 160 MB for this client and cut it off as a slow consumer (its max_pending is 64 MB).
  await publish(40, 4 * MiB, 'large');
  // Listens until the connection closes (after all tests); only disconnects during this one count.
  const disconnects: string[] = [];
  let reading = true;
  void (async () => {
    for await (const event of nc.status())
      if (reading && event.type === 'disconnect') disconnects.push(event.type);
  })();
  messages = consumeBounded(nc, {
    stream,
    consumers: [consumer],
    maxMessages: 1_000,
    maxBytes: 256 * MiB,
  });
  let seen = 0;
  for await (const message of messages) {
    await new Promise((resolve) => setTimeout(resolve, 30));
    message.ack();
    seen += 1;
    if (seen === 40) break;
  }
  reading = false;
  expect(disconnects).toEqual([]);
  expect(messages.held()).toEqual({ messages: 0, bytes: 0 });
});

it('says so when its consumer is deleted, and carries on once it is created again', async () => {
  const problems: string[] = [];
  messages = consumeBounded(nc, {
    stream,
    consumers: [consumer],
    maxMessages: 10,
    maxBytes: 64 * MiB,
    heartbeatMs: 1_000,
    onProblem: (problem) => problems.push(problem),
  });
  const held: PulledMessage[] = [];
  const done = collect(messages, held);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const config = (await jsm.consumers.info(stream, consumer)).config;
  await jsm.consumers.delete(stream, consumer);
  await eventually('the deletion and the silence after it reported', () =>
    Promise.resolve(
      (problems.some((problem) => /409 Consumer Deleted/i.test(problem)) &&
        problems.some((problem) => /no word from the server/.test(problem))) ||
        undefined,
    ),
  );
  await jsm.consumers.add(stream, config);
  await publish(1, 100, 'again');
  await eventually('a message once the consumer is back', () =>
    Promise.resolve(held.length === 1 || undefined),
  );
  settle(held);
  messages.stop();
  await done;
});

it('pulls several consumers within one budget; an idle one holds no room the others need', async () => {
  const filtered = async (name: string, subject: string) =>
    jsm.consumers.add(stream, {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 60 * 1_000_000_000,
      filter_subject: subject,
    });
  const [hot, idle, late] = [`${consumer}-hot`, `${consumer}-idle`, `${consumer}-late`];
  await filtered(hot, 'bounded.hot');
  await filtered(idle, 'bounded.idle');
  await filtered(late, 'bounded.late');
  await publish(60, 100, 'hot');
  await publish(5, 100, 'late');
  messages = consumeBounded(nc, {
    stream,
    consumers: [hot, idle],
    maxMessages: 20,
    maxBytes: 64 * MiB,
    expiresMs: 2_000,
  });
  const held: PulledMessage[] = [];
  const done = collect(messages, held);
  const taken: string[] = [];
  const pending = async (name: string) => (await jsm.consumers.info(stream, name)).num_pending;

  // The idle consumer's request waits with its share; the hot one's keep coming as room frees.
  while (taken.length < 60) {
    await eventually('more of the hot consumer', () =>
      Promise.resolve(held.length > 0 || undefined),
    );
    expect(messages.held().messages).toBeLessThanOrEqual(20);
    for (const message of held.splice(0)) {
      taken.push(message.subject);
      message.ack();
    }
  }
  expect(new Set(taken)).toEqual(new Set(['bounded.hot']));

  messages.addConsumer(late);
  await eventually('the added consumer pulled', () =>
    Promise.resolve(held.length === 5 || undefined),
  );
  expect(messages.consumers()).toEqual([hot, idle, late]);
  settle(held);

  messages.removeConsumer(late);
  await new Promise((resolve) => setTimeout(resolve, 2_500)); // its last request expires
  await publish(3, 100, 'late');
  await publish(2, 100, 'idle');
  await eventually('the idle consumer pulled', () =>
    Promise.resolve(held.length === 2 || undefined),
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(held.map((message) => message.subject)).toEqual(['bounded.idle', 'bounded.idle']);
  expect(await pending(late)).toBe(3); // left in the stream for whoever pulls it next
  settle(held);
  messages.stop();
  await done;
});

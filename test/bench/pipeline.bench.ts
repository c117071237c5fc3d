/**
 * `npm run bench`: the pipeline's figures on this machine, printed as JSON (last line).
 *
 * 1. Preloads INGEST with N realistic envelopes (10% bad) from the demo traffic generator.
 * 2. bare: a consumer that only parses and acks the same stream: the ceiling.
 * 3. worker: the governance worker drains the same messages (decide, publish GOVERNED/DEADLETTER,
 *    lineage into chDB, ack).
 * 4. latency: a steady stream at R envelopes/s; end-to-end = publish → message on GOVERNED or
 *    DEADLETTER (seen by a subscriber), p50/p99.
 * Environment: BENCH_MESSAGES (200000), BENCH_RATE (2000), BENCH_LATENCY_SECONDS (20).
 */
import { AckPolicy, DeliverPolicy, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { createDemoTraffic } from '@plumbline/connectors';
import { GovernanceConsumer, Streams } from '@plumbline/platform';
import { startTestPlumbline } from '../support/test-plumbline';

const total = Number(process.env.BENCH_MESSAGES ?? 200_000);
const rate = Number(process.env.BENCH_RATE ?? 2_000);
const latencySeconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 20);
const log = (line: string) => process.stderr.write(`${line}\n`);

const plumbline = await startTestPlumbline({ workers: 0 });
const { js, infra } = plumbline;
const jsm = await jetstreamManager(infra.nc);
const traffic = createDemoTraffic({ seed: 42 });

log(`preloading ${total} envelopes…`);
let t0 = performance.now();
const window = 2_000;
for (let sent = 0; sent < total; sent += window) {
  const batch = [];
  for (let i = 0; i < Math.min(window, total - sent); i += 1) {
    const message = traffic.next();
    batch.push(js.publish(message.subject, message.body, { msgID: message.msgId }));
  }
  await Promise.all(batch);
}
const inIngest = (await jsm.streams.info(Streams.Ingest)).state.messages;
log(`preloaded ${inIngest} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// Bare consumer: parse + ack only.
await jsm.consumers.add(Streams.Ingest, {
  durable_name: 'bench-bare',
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
  max_ack_pending: 20_000,
});
const bare = await js.consumers.get(Streams.Ingest, 'bench-bare');
t0 = performance.now();
let seen = 0;
let parseFailures = 0;
const bareMessages = await bare.consume({ max_messages: 1_000 });
for await (const message of bareMessages) {
  try {
    JSON.parse(message.string());
  } catch {
    parseFailures += 1;
  }
  message.ack();
  seen += 1;
  if (seen >= inIngest) break;
}
const bareSeconds = (performance.now() - t0) / 1000;
const barePerSecond = inIngest / bareSeconds;
log(`bare consumer: ${inIngest} in ${bareSeconds.toFixed(1)} s = ${barePerSecond.toFixed(0)}/s`);

// The governance worker on the same messages.
t0 = performance.now();
const runtime = await import('@plumbline/cli').then(({ startWorker }) =>
  startWorker(infra, 'bench-worker'),
);
plumbline.workers.push(runtime);
for (;;) {
  const info = await jsm.consumers.info(Streams.Ingest, GovernanceConsumer);
  if (info.num_pending === 0 && info.num_ack_pending === 0) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
const workerSeconds = (performance.now() - t0) / 1000;
const workerPerSecond = inIngest / workerSeconds;
const stats = runtime.worker.stats();
log(
  `worker: ${inIngest} in ${workerSeconds.toFixed(1)} s = ${workerPerSecond.toFixed(0)}/s (${stats.accepted} accepted, ${stats.rejected} rejected, ${stats.delayed} delayed)`,
);

// Steady-rate latency: publish → GOVERNED / DEADLETTER.
const latencies: number[] = [];
const sub = infra.nc.subscribe('>', {
  callback: (_error, message) => {
    if (!message.subject.startsWith('gov.') && !message.subject.startsWith('dlq.')) return;
    const sentAt = Number(message.headers?.get('Bench-Sent-At'));
    if (sentAt > 0) latencies.push(Date.now() - sentAt);
  },
});
const perTick = rate / 100;
const ticks = latencySeconds * 100;
log(`latency: ${rate}/s for ${latencySeconds} s…`);
const start = Date.now();
for (let tick = 0; tick < ticks; tick += 1) {
  const due = start + tick * 10;
  const wait = due - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const publishes = [];
  for (let i = 0; i < perTick; i += 1) {
    const message = traffic.next();
    if (message.intended !== 'valid') continue; // rate-limit / error paths are not the latency under test
    const h = natsHeaders();
    h.set('Bench-Sent-At', String(Date.now()));
    publishes.push(js.publish(message.subject, message.body, { msgID: message.msgId, headers: h }));
  }
  await Promise.all(publishes);
}
await new Promise((resolve) => setTimeout(resolve, 2_000));
sub.unsubscribe();
latencies.sort((a, b) => a - b);
const percentile = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;

const result = {
  messages: inIngest,
  bad_share: 0.1,
  bare_per_s: Math.round(barePerSecond),
  worker_per_s: Math.round(workerPerSecond),
  ratio: Number((workerPerSecond / barePerSecond).toFixed(3)),
  latency_rate_per_s: rate,
  latency_samples: latencies.length,
  p50_ms: percentile(50),
  p99_ms: percentile(99),
  bare_parse_failures: parseFailures,
  store: infra.store.transport,
};
await plumbline.stop();
process.stdout.write(`${JSON.stringify(result)}\n`);

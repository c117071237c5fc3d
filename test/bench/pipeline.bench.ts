/**
 * `npm run bench`: the pipeline's figures on this machine; the last line of output is JSON.
 *
 * 1. Preloads INGEST with N realistic envelopes (10% bad) from the demo traffic generator.
 * 2. bare: a consumer that only parses and acks the same stream (the ceiling for this machine);
 *    three passes, the median reported (one pass moves by a third from run to run).
 * 3. decide + ack: a consumer that runs the governance decision (the worker's pure core, same
 *    contracts and policies) on every message and acks, nothing else, in batches formed as the
 *    worker forms them: the ceiling for any worker that makes this decision.
 * 4. decide + publish + ack: the decision, each output published as the worker publishes it (a
 *    shared reply inbox per batch, every PubAck awaited), then the ack; no lineage. The ceiling
 *    for any worker that publishes its outputs before acking, as the pipeline must.
 * 5. worker: one governance worker process (`plumbline worker`, as deployed) drains the same
 *    messages: decide, publish to GOVERNED / DEADLETTER, lineage into chDB, ack.
 * 6. latency: a steady R envelopes/s while the worker runs; end to end = publish → message on
 *    GOVERNED or DEADLETTER (seen by a subscriber); p50 / p99 of the envelopes sent after a
 *    warm-up at the same rate, so that the figures are the steady state's and not the tail of the
 *    drain (the last lineage parts being merged, the rollup feed catching up on 200k rows).
 * For stages 2-5, the CPU each process spent per message (`cpu_us_per_message`, from /proc): the
 * throughputs move by a third from run to run on this shared machine, these figures far less.
 * The repository's policies apply, except the per-source rate limits: the field app's 200/s and
 * CRM's 50/s would make a drained backlog measure those limits, not the worker. Every message
 * still goes through the rate limiter (the generous default rule).
 * Environment: BENCH_MESSAGES (200000), BENCH_RATE (2000), BENCH_LATENCY_SECONDS (20),
 * BENCH_LATENCY_WARMUP_SECONDS (10), BENCH_INGEST_PARTITIONS (1: INGEST not cut; above 1 the
 * one worker holds every partition).
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  jetstreamManager,
  type Consumer,
  type JsMsg,
} from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import { loadGitOpsSources, openInfrastructure } from '@plumbline/cli';
import { createDemoTraffic } from '@plumbline/connectors';
import {
  ContractRegistry,
  compilePolicyGate,
  defaultPolicySet,
  envelopeKey,
  governanceEngineFor,
} from '@plumbline/core';
import {
  BatchPublisher,
  ContractStore,
  IngestPartitions,
  PolicyStore,
  Streams,
  governanceConsumers,
  loadConfig,
  type OutboundMessage,
} from '@plumbline/platform';
import { repoRoot } from '../support/repo';
import { meterCpu, nodeAndClickHouse, type MeteredProcess } from './cpu-time';
import { startTestNats } from '../support/test-nats';

const total = Number(process.env.BENCH_MESSAGES ?? 200_000);
const rate = Number(process.env.BENCH_RATE ?? 2_000);
const latencySeconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 20);
const warmupSeconds = Number(process.env.BENCH_LATENCY_WARMUP_SECONDS ?? 10);
const partitions = Number(process.env.BENCH_INGEST_PARTITIONS ?? 1);
const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const root = repoRoot();
const nats = await startTestNats({ ingestPartitions: partitions });
if (nats.pid === undefined) throw new Error('the bench needs a nats-server of its own');
const natsServer: MeteredProcess = { pid: nats.pid };
const bench: MeteredProcess = { pid: process.pid, groups: nodeAndClickHouse };
/** CPU per message of each stage: `<process>[_<thread group>]` → µs. */
const cpuPerMessage: Record<string, Record<string, number>> = {};
const logCpu = (stage: string) =>
  log(
    `  CPU per message, µs: ${Object.entries(cpuPerMessage[stage] ?? {})
      .map(([where, micros]) => `${where} ${micros}`)
      .join(', ')}`,
  );
const dir = mkdtempSync(join(tmpdir(), 'plumbline-bench-'));
const policiesDir = join(dir, 'policies');
cpSync(join(root, 'policies'), policiesDir, { recursive: true });
writeFileSync(
  join(policiesDir, 'rate-limits.yaml'),
  [
    'delayMs: 1000',
    'maxDelays: 10',
    'rules:',
    "  - { source: '*', type: '*', perSecond: 50000, burst: 100000, action: delay }",
    '',
  ].join('\n'),
);
const env = {
  NATS_URL: nats.url,
  PLUMBLINE_SCHEMAS_DIR: join(root, 'schemas'),
  PLUMBLINE_POLICIES_DIR: policiesDir,
  PLUMBLINE_LOG_LEVEL: process.env.BENCH_WORKER_LOG_LEVEL ?? 'warn',
  PLUMBLINE_INGEST_PARTITIONS: String(partitions),
};
const infra = await openInfrastructure(
  loadConfig({ ...env, PLUMBLINE_DATA_DIR: join(dir, 'setup') }),
);
await loadGitOpsSources(infra);
const js = jetstream(infra.nc);
const jsm = await jetstreamManager(infra.nc);
const traffic = createDemoTraffic({ seed: 42 });

log(`preloading ${total} envelopes…`);
let t0 = performance.now();
for (let sent = 0; sent < total; sent += 2_000) {
  const batch = [];
  for (let i = 0; i < Math.min(2_000, total - sent); i += 1) {
    const message = traffic.next();
    batch.push(js.publish(message.subject, message.body, { msgID: message.msgId }));
  }
  await Promise.all(batch);
}
const inIngest = (await jsm.streams.info(Streams.Ingest)).state.messages;
log(`preloaded ${inIngest} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

/** Drains INGEST once through a new durable consumer with `drain`; returns per second. */
async function timedDrain(
  name: string,
  drain: (consumer: Consumer) => Promise<void>,
): Promise<number> {
  await jsm.consumers.add(Streams.Ingest, {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_ack_pending: 20_000,
  });
  const startedAt = performance.now();
  await drain(await js.consumers.get(Streams.Ingest, name));
  const perSecond = inIngest / ((performance.now() - startedAt) / 1000);
  await jsm.consumers.delete(Streams.Ingest, name);
  return perSecond;
}

/** Drains INGEST once, handling and acking each message as it comes; returns per second. */
function drainOnce(name: string, handle: (message: JsMsg) => void): Promise<number> {
  return timedDrain(name, async (consumer) => {
    let seen = 0;
    for await (const message of await consumer.consume({ max_messages: 1_000 })) {
      handle(message);
      message.ack();
      seen += 1;
      if (seen >= inIngest) break;
    }
  });
}

/**
 * Drains INGEST once in batches as the worker forms them (up to 5,000 messages, whatever has
 * arrived while at most two batches are being handled), acking each batch once `handle`
 * resolves; returns per second.
 */
function drainBatched(
  name: string,
  handle: (batch: readonly JsMsg[]) => Promise<void>,
): Promise<number> {
  return timedDrain(name, async (consumer) => {
    const inFlight = new Set<Promise<void>>();
    let batch: JsMsg[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      if (batch.length === 0 || inFlight.size >= 2) return;
      const taken = batch;
      batch = [];
      const done: Promise<void> = handle(taken).then(() => {
        for (const message of taken) message.ack();
        inFlight.delete(done);
        flush(); // group commit: what arrived meanwhile goes next
      });
      inFlight.add(done);
    };
    let seen = 0;
    for await (const message of await consumer.consume({ max_messages: 5_000 })) {
      batch.push(message);
      seen += 1;
      if (seen >= inIngest) break;
      if (batch.length >= 5_000) {
        while (inFlight.size >= 2) await Promise.race(inFlight);
        flush();
      } else if (inFlight.size < 2) {
        timer ??= setTimeout(flush, 20); // the worker's linger
      }
    }
    clearTimeout(timer);
    while (batch.length > 0) {
      while (inFlight.size >= 2) await Promise.race(inFlight);
      flush();
    }
    await Promise.all(inFlight);
  });
}

// The ceiling: parse + ack, nothing else.
const bareRuns: number[] = [];
const bareCpu = meterCpu({ nats_server: natsServer, consumer: { pid: process.pid } });
for (let pass = 1; pass <= 3; pass += 1) {
  bareRuns.push(
    await drainOnce(`bench-bare-${pass}`, (message) => {
      try {
        JSON.parse(message.string());
      } catch {
        // malformed demo messages: parsed and acked all the same
      }
    }),
  );
}
cpuPerMessage.bare = bareCpu.perMessage(3 * inIngest);
const barePerSecond = [...bareRuns].sort((a, b) => a - b)[1] ?? Number.NaN;
log(`bare consumer: ${bareRuns.map((run) => run.toFixed(0)).join(', ')}/s`);
logCpu('bare');

// The decision alone, as the worker makes it (its contracts and policies, from KV).
const registry = new ContractRegistry();
const contracts = await new ContractStore(infra.buckets.contracts).mirrorInto(registry, (error) => {
  throw error;
});
await contracts.ready;
contracts.stop();
const policies = compilePolicyGate(
  (await new PolicyStore(infra.buckets.policies).get()) ?? defaultPolicySet,
);
const decide = governanceEngineFor(registry, () => policies);
const outcomes = { accepted: 0, rejected: 0, delayed: 0 };
const decideCpu = meterCpu({ nats_server: natsServer, consumer: { pid: process.pid } });
const decidePerSecond = await drainBatched('bench-decide', (batch) => {
  for (const message of batch) {
    const decision = decide({
      subject:
        partitions > 1 ? IngestPartitions.connectorSubject(message.subject) : message.subject,
      body: message.data,
      deliveryCount: message.info.deliveryCount,
    });
    outcomes[decision.outcome] += 1;
  }
  return Promise.resolve();
});
cpuPerMessage.decide = decideCpu.perMessage(inIngest);
log(
  `decide + ack: ${decidePerSecond.toFixed(0)}/s (${outcomes.accepted} accepted, ` +
    `${outcomes.rejected} rejected, ${outcomes.delayed} delayed)`,
);
logCpu('decide');

// Decide + publish + ack: the decision, then each output published as the worker does (one
// shared reply inbox per batch, every PubAck awaited, at most two batches at once), then the ack;
// no lineage, no dead-letter index. Outputs go to a scratch stream configured like GOVERNED (file
// storage, 10-minute duplicate window), so that the worker below finds GOVERNED and its duplicate
// window empty. The ceiling for any worker that publishes what the issue asks for.
await jsm.streams.add({
  name: 'BENCH_OUTPUTS',
  subjects: ['bench-out.>'],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  duplicate_window: 10 * 60 * 1_000_000_000,
});
const publisher = new BatchPublisher(infra.nc);
const publishCpu = meterCpu({ nats_server: natsServer, consumer: { pid: process.pid } });
const publishPerSecond = await drainBatched('bench-publish', async (batch) => {
  const outbound: OutboundMessage[] = [];
  for (const message of batch) {
    const subject =
      partitions > 1 ? IngestPartitions.connectorSubject(message.subject) : message.subject;
    const decision = decide({
      subject,
      body: message.data,
      deliveryCount: message.info.deliveryCount,
    });
    if (decision.outcome === 'delayed') continue;
    const headers = natsHeaders();
    for (const [key, values] of message.headers ?? [])
      if (!key.toLowerCase().startsWith('nats-'))
        for (const value of values) headers.append(key, value);
    headers.append('Plumbline-Ingest-Subject', subject);
    headers.append('Plumbline-Ingest-Seq', String(message.seq));
    outbound.push({
      subject: `bench-out.${decision.outcome}.${decision.type === '' ? 'unknown' : decision.type}`,
      data: message.data,
      msgId:
        decision.envelope === undefined ? `ingest:${message.seq}` : envelopeKey(decision.envelope),
      headers,
    });
  }
  await publisher.publishAll(outbound);
});
cpuPerMessage.publish = publishCpu.perMessage(inIngest);
publisher.close();
await jsm.streams.delete('BENCH_OUTPUTS');
log(`decide + publish + ack: ${publishPerSecond.toFixed(0)}/s`);
logCpu('publish');

// The governance worker, in its own process; timed from its first ack (start-up excluded).
const worker = spawn(
  process.execPath,
  [
    // e.g. BENCH_WORKER_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the worker
    ...(process.env.BENCH_WORKER_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    '--import',
    'tsx',
    join(root, 'services/cli/src/main.ts'),
    'worker',
  ],
  {
    cwd: root,
    env: { ...process.env, ...env, PLUMBLINE_DATA_DIR: join(dir, 'worker') },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
/** The governance consumers' state, summed over INGEST's partitions. */
const governance = async () => {
  const infos = await Promise.all(
    governanceConsumers(partitions).map((name) => jsm.consumers.info(Streams.Ingest, name)),
  );
  const sum = (count: (info: (typeof infos)[number]) => number) =>
    infos.reduce((total, info) => total + count(info), 0);
  return {
    pending: sum((info) => info.num_pending),
    ackPending: sum((info) => info.num_ack_pending),
    // Acked in order so far (one consumer: its stream sequence; partitions: their deliveries).
    acked:
      partitions > 1
        ? sum((info) => info.ack_floor.consumer_seq)
        : sum((info) => info.ack_floor.stream_seq),
  };
};
const consumerIdle = async () => {
  const state = await governance();
  return state.pending === 0 && state.ackPending === 0;
};
let ackedAtStart: number;
for (;;) {
  const state = await governance();
  if (state.acked > 0 || state.ackPending > 0) {
    ackedAtStart = state.acked;
    break;
  }
  if (worker.exitCode !== null) throw new Error('the worker process exited');
  await sleep(5);
}
t0 = performance.now();
if (worker.pid === undefined) throw new Error('the worker process did not start');
const workerCpu = meterCpu({
  nats_server: natsServer,
  worker: { pid: worker.pid, groups: nodeAndClickHouse },
  bench,
});
while (!(await consumerIdle())) {
  if (worker.exitCode !== null) throw new Error('the worker process exited');
  await sleep(50);
}
cpuPerMessage.worker = workerCpu.perMessage(inIngest - ackedAtStart);
const workerPerSecond = (inIngest - ackedAtStart) / ((performance.now() - t0) / 1000);
const governed = (await jsm.streams.info(Streams.Governed)).state.messages;
const deadLettered = (await jsm.streams.info(Streams.DeadLetter)).state.messages;
log(
  `worker: ${workerPerSecond.toFixed(0)}/s (${governed} governed, ${deadLettered} dead-lettered)`,
);
logCpu('worker');

// Steady rate: publish → GOVERNED / DEADLETTER.
const latencies: number[] = [];
const onOutput = (_error: unknown, message: { headers?: { get(key: string): string } }) => {
  const sentAt = Number(message.headers?.get('Bench-Sent-At'));
  if (sentAt > 0) latencies.push(Date.now() - sentAt);
};
const subscriptions = ['gov.>', 'dlq.>'].map((subject) =>
  infra.nc.subscribe(subject, { callback: onOutput }),
);
log(`latency: ${rate}/s for ${warmupSeconds} s of warm-up, then ${latencySeconds} s measured…`);
const tickMs = 10;
const start = Date.now();
const measuredFrom = start + warmupSeconds * 1000;
let sentAll = 0;
let sentSteady = 0;
for (let tick = 0; tick < ((warmupSeconds + latencySeconds) * 1000) / tickMs; tick += 1) {
  const wait = start + tick * tickMs - Date.now();
  if (wait > 0) await sleep(wait);
  const due = Math.floor(((tick + 1) * tickMs * rate) / 1000) - sentAll;
  const measured = start + tick * tickMs >= measuredFrom;
  const publishes = [];
  for (let i = 0; i < due; i += 1) {
    const message = traffic.next();
    const headers = natsHeaders();
    if (measured) headers.set('Bench-Sent-At', String(Date.now()));
    publishes.push(js.publish(message.subject, message.body, { msgID: message.msgId, headers }));
  }
  sentAll += due;
  if (measured) sentSteady += due;
  await Promise.all(publishes);
}
const drainDeadline = Date.now() + 30_000;
while (!(await consumerIdle()) && Date.now() < drainDeadline) await sleep(100);
for (const subscription of subscriptions) subscription.unsubscribe();
latencies.sort((a, b) => a - b);
const percentile = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;

worker.kill('SIGTERM');
await new Promise((resolve) => worker.once('exit', resolve));
await infra.close();
await nats.stop();
rmSync(dir, { recursive: true, force: true });

process.stdout.write(
  `${JSON.stringify({
    messages: inIngest,
    bare_per_s: Math.round(barePerSecond),
    bare_runs_per_s: bareRuns.map(Math.round),
    decide_per_s: Math.round(decidePerSecond),
    decide_ratio: Number((decidePerSecond / barePerSecond).toFixed(3)),
    publish_per_s: Math.round(publishPerSecond),
    publish_ratio: Number((publishPerSecond / barePerSecond).toFixed(3)),
    worker_per_s: Math.round(workerPerSecond),
    ratio: Number((workerPerSecond / barePerSecond).toFixed(3)),
    latency_rate_per_s: rate,
    latency_warmup_s: warmupSeconds,
    latency_sent: sentSteady,
    latency_samples: latencies.length,
    p50_ms: percentile(50),
    p99_ms: percentile(99),
    store: 'chdb',
    ingest_partitions: partitions,
    cpu_us_per_message: cpuPerMessage,
  })}\n`,
);

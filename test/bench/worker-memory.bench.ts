/**
 * `npm run bench:memory`: a governance worker process's memory under a flood of large envelopes;
 * the last line of output is JSON.
 *
 * 1. Starts `plumbline worker` (as deployed) on an empty INGEST, reads its resident memory when
 *    idle, and stops it.
 * 2. Publishes BENCH_LARGE envelopes of BENCH_LARGE_MB MiB (over the payload policy's limit: each
 *    is dead-lettered as too_large with its original bytes, which the dead-letter indexer then
 *    reads back), one in ten among small valid ones: a backlog far larger than the budget.
 * 3. Starts a worker on that backlog and samples its resident memory every 50 ms until INGEST is
 *    drained; reports the peak.
 * Environment: BENCH_HELD_MB (the worker's PLUMBLINE_WORKER_MAX_HELD_MB, default 256),
 * BENCH_LARGE (150), BENCH_LARGE_MB (4).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { loadGitOpsSources, openInfrastructure } from '@plumbline/cli';
import { createDemoTraffic } from '@plumbline/connectors';
import { GovernanceConsumer, Streams, loadConfig } from '@plumbline/platform';
import { repoRoot } from '../support/repo';
import { startTestNats } from '../support/test-nats';

const heldMb = Number(process.env.BENCH_HELD_MB ?? 256);
const large = Number(process.env.BENCH_LARGE ?? 150);
const largeMb = Number(process.env.BENCH_LARGE_MB ?? 4);
const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MiB = 1024 * 1024;

const root = repoRoot();
const nats = await startTestNats();
const dir = mkdtempSync(join(tmpdir(), 'plumbline-bench-memory-'));
const env = {
  NATS_URL: nats.url,
  PLUMBLINE_SCHEMAS_DIR: join(root, 'schemas'),
  PLUMBLINE_POLICIES_DIR: join(root, 'policies'),
  PLUMBLINE_LOG_LEVEL: 'warn',
  PLUMBLINE_WORKER_MAX_HELD_MB: String(heldMb),
};
const infra = await openInfrastructure(
  loadConfig({ ...env, PLUMBLINE_DATA_DIR: join(dir, 'setup') }),
);
await loadGitOpsSources(infra);
const js = jetstream(infra.nc);
const jsm = await jetstreamManager(infra.nc);

const startWorker = () =>
  spawn(process.execPath, ['--import', 'tsx', join(root, 'services/cli/src/main.ts'), 'worker'], {
    cwd: root,
    env: { ...process.env, ...env, PLUMBLINE_DATA_DIR: join(dir, 'worker') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
const stopWorker = async (worker: ChildProcess) => {
  worker.kill('SIGTERM');
  await new Promise((resolve) => worker.once('exit', resolve));
};
const residentMb = (worker: ChildProcess) => {
  const status = readFileSync(`/proc/${worker.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
};
const consumer = () => jsm.consumers.info(Streams.Ingest, GovernanceConsumer);

// 1. Idle: a worker with a pull request waiting and nothing to do.
let worker = startWorker();
while ((await consumer()).num_waiting === 0) {
  if (worker.exitCode !== null) throw new Error('the worker process exited');
  await sleep(100);
}
await sleep(3_000);
const idleMb = residentMb(worker);
await stopWorker(worker);
log(`worker idle at ${idleMb.toFixed(0)} MiB resident (budget ${heldMb} MiB)`);

// 2. The flood, with no worker running: the backlog is all there when the worker starts.
const traffic = createDemoTraffic({ seed: 7 });
const padding = 'x'.repeat(largeMb * MiB);
let sent = 0;
for (let i = 0; i < large; i += 1) {
  const publishes = [];
  for (let small = 0; small < 9; small += 1) {
    const message = traffic.next();
    publishes.push(js.publish(message.subject, message.body, { msgID: message.msgId }));
  }
  const bulky = traffic.next();
  const body = new TextEncoder().encode(
    `${new TextDecoder().decode(bulky.body).replace(/}\s*$/, '')},"padding":"${padding}"}`,
  );
  publishes.push(js.publish(bulky.subject, body, { msgID: `${bulky.msgId}:large` }));
  await Promise.all(publishes);
  sent += 10;
}
log(`published ${sent} envelopes (${large} of ${largeMb} MiB)`);

// 3. A worker drains it; its resident memory sampled every 50 ms.
const startedAt = performance.now();
worker = startWorker();
let peakMb = 0;
const sampler = setInterval(() => (peakMb = Math.max(peakMb, residentMb(worker))), 50);
for (;;) {
  const info = await consumer();
  if (info.num_pending === 0 && info.num_ack_pending === 0) break;
  if (worker.exitCode !== null) throw new Error('the worker process exited');
  await sleep(100);
}
const drainedS = (performance.now() - startedAt) / 1000;
clearInterval(sampler);
const deadLettered = (await jsm.streams.info(Streams.DeadLetter)).state.messages;
log(
  `drained in ${drainedS.toFixed(1)} s; ${deadLettered} dead-lettered; peak ${peakMb.toFixed(0)} MiB`,
);

await stopWorker(worker);
await infra.close();
await nats.stop();
rmSync(dir, { recursive: true, force: true });

process.stdout.write(
  `${JSON.stringify({
    held_budget_mb: heldMb,
    envelopes: sent,
    large_envelopes: large,
    large_mb: largeMb,
    flood_mb: large * largeMb,
    drained_s: Number(drainedS.toFixed(1)),
    dead_lettered: deadLettered,
    idle_rss_mb: Math.round(idleMb),
    peak_rss_mb: Math.round(peakMb),
    peak_over_idle_mb: Math.round(peakMb - idleMb),
  })}\n`,
);

import { serve } from '@hono/node-server';
import { jetstream } from '@nats-io/jetstream';
import { createDemoTraffic } from '@plumbline/connectors';
import type { PlumblineConfig } from '@plumbline/platform';
import { loadGitOpsSources, openApi, openInfrastructure, startWorker } from '../boot';
import { healthProbes } from '../health-probes';

const demoRatePerSecond = 25;

/** `plumbline start`: NATS, ClickHouse, contracts and policies, worker, API, demo traffic. */
export async function start(config: PlumblineConfig): Promise<void> {
  // The deployment's owner: it may recut INGEST when PLUMBLINE_INGEST_PARTITIONS changed.
  const infra = await openInfrastructure(config, undefined, { changeIngestLayout: true });
  const { logger } = infra;
  const report = await loadGitOpsSources(infra);
  logger.info(
    { registered: report.registered.length, unchanged: report.unchanged.length },
    'contracts synced',
  );
  const runtime = await startWorker(infra);
  const api = await openApi(
    infra,
    healthProbes(infra, () => runtime),
  );
  const bootstrap = await api.identity.service.bootstrap();
  const server = serve({ fetch: api.app.fetch, port: config.port, hostname: config.host });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  logger.info({ url: `http://${config.host}:${config.port}` }, 'API listening');
  process.stderr.write(
    `\nPlumbline is running: http://${config.host}:${config.port}/api/health  (Ctrl-C stops it)\n\n`,
  );
  if (bootstrap !== undefined)
    process.stderr.write(
      [
        'First start: this is the bootstrap admin token. It is shown only this once; keep it safe,',
        'create your own tokens with it (plumbline auth create), then revoke it:',
        '',
        `  export PLUMBLINE_TOKEN=${bootstrap.token}`,
        '',
        '',
      ].join('\n'),
    );

  let demo: NodeJS.Timeout | undefined;
  if (config.demo) {
    const traffic = createDemoTraffic();
    const js = jetstream(infra.nc);
    demo = setInterval(() => {
      for (let i = 0; i < demoRatePerSecond / 5; i += 1) {
        const message = traffic.next();
        js.publish(message.subject, message.body, { msgID: message.msgId }).catch(
          (error: unknown) => logger.warn({ err: error }, 'demo publish failed'),
        );
      }
    }, 200);
    logger.info(
      { perSecond: demoRatePerSecond },
      'demo traffic on (PLUMBLINE_DEMO=0 turns it off)',
    );
  }

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info('stopping');
  if (demo !== undefined) clearInterval(demo);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await runtime.stop();
  await api.stop();
  await infra.close();
  logger.info('stopped');
}

import type { PlumblineConfig } from '@plumbline/platform';
import { openInfrastructure, startWorker } from '../boot';

/** `plumbline worker`: one more governance worker on the shared consumer (scale-out). */
export async function worker(config: PlumblineConfig): Promise<void> {
  if (config.natsUrl === undefined) {
    throw new Error('plumbline worker needs NATS_URL (the worker joins an existing deployment)');
  }
  const infra = await openInfrastructure(config);
  const runtime = await startWorker(infra);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await runtime.stop();
  await infra.close();
}

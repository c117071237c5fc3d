import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalNatsServer, type LocalNatsServer } from '@plumbline/platform';

export interface TestNats extends LocalNatsServer {
  /** Stops the server and starts it again on the same port and store: a broker restart. */
  restart(): Promise<void>;
}

/**
 * A real `nats-server -js` on a free port with a throwaway store (mapping connectors' subjects
 * to `ingestPartitions` partitions when given).
 */
export async function startTestNats(
  options: { ingestPartitions?: number } = {},
): Promise<TestNats> {
  const dir = mkdtempSync(join(tmpdir(), 'plumbline-nats-'));
  const partitions = options.ingestPartitions ?? 1;
  let server = await startLocalNatsServer({ storeDir: dir, port: 0, ingestPartitions: partitions });
  return {
    url: server.url,
    port: server.port,
    owned: server.owned,
    get pid() {
      return server.pid;
    },
    async restart() {
      await server.stop();
      server = await startLocalNatsServer({
        storeDir: dir,
        port: server.port,
        ingestPartitions: partitions,
      });
    },
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

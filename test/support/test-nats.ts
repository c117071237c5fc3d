import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalNatsServer, type LocalNatsServer } from '@plumbline/platform';

/** A real `nats-server -js` on a free port with a throwaway store. */
export async function startTestNats(): Promise<LocalNatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'plumbline-nats-'));
  const server = await startLocalNatsServer({ storeDir: dir, port: 0 });
  return {
    ...server,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

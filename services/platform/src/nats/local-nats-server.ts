import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { ErrorCode, PlumblineError } from '@plumbline/core';
import { IngestPartitions } from './topology';

export interface LocalNatsServer {
  readonly url: string;
  readonly port: number;
  /** True when this process started the server (and will stop it); false when it reused one. */
  readonly owned: boolean;
  /** The server's process id when this process started it. */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export interface LocalNatsServerOptions {
  /** JetStream store directory. */
  readonly storeDir: string;
  /** Port to use; 0 picks a free one. */
  readonly port: number;
  /** Reuse a server already listening on `port` instead of failing. */
  readonly reuse?: boolean;
  /** An `authorization { … }` block (see `natsAuthorization`); without it anyone may connect. */
  readonly authorization?: string;
  /**
   * Partitions of INGEST: above 1, the server maps connectors' subjects to them
   * (`IngestPartitions.serverMapping`).
   */
  readonly ingestPartitions?: number;
}

/** Runs Debian's `nats-server -js` as a child process (installed by `ensure-installed.mjs`). */
export async function startLocalNatsServer(
  options: LocalNatsServerOptions,
): Promise<LocalNatsServer> {
  const host = '127.0.0.1';
  if (options.port !== 0 && options.reuse === true && (await isListening(host, options.port))) {
    return {
      url: `nats://${host}:${options.port}`,
      port: options.port,
      owned: false,
      pid: undefined,
      stop: async () => {},
    };
  }
  if (spawnSync('sh', ['-c', 'command -v nats-server'], { stdio: 'ignore' }).status !== 0) {
    throw new PlumblineError(
      ErrorCode.Unavailable,
      'nats-server is not installed: run `node services/cli/bin/ensure-installed.mjs` (apt-get install nats-server) or set NATS_URL',
    );
  }
  const port = options.port === 0 ? await freePort() : options.port;
  mkdirSync(options.storeDir, { recursive: true });
  // A config file rather than flags: Debian's nats-server (2.9) has no flag for max_payload.
  const configFile = join(options.storeDir, 'plumbline-nats.conf');
  writeFileSync(
    configFile,
    [
      `listen: "${host}:${port}"`,
      `max_payload: ${8 * 1024 * 1024}`,
      `jetstream { store_dir: ${JSON.stringify(resolve(options.storeDir))} }`,
      options.authorization ?? '',
      (options.ingestPartitions ?? 1) > 1
        ? IngestPartitions.serverMapping(options.ingestPartitions ?? 1)
        : '',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  // Its own process group: Ctrl-C reaches Plumbline, which drains and then stops the server.
  const child = spawn('nats-server', ['-c', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const deadline = Date.now() + 15_000;
  while (!(await isListening(host, port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new PlumblineError(
        ErrorCode.Unavailable,
        `nats-server did not start on port ${port}: ${stderr}`,
      );
    }
    await sleep(50);
  }
  return {
    url: `nats://${host}:${port}`,
    port,
    owned: true,
    pid: child.pid,
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

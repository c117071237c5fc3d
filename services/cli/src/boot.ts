import { hostname } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { ContractRegistry, ContractValidators } from '@plumbline/core';
import { startGovernanceRuntime, type GovernanceRuntime } from '@plumbline/governance';
import { ContractRegistryService } from '@plumbline/registry';
import {
  AuditLog,
  ContractStore,
  PolicyStore,
  connectNats,
  createLogger,
  ensureTopology,
  openStore,
  readContractFiles,
  readPolicyFiles,
  startLocalNatsServer,
  syncContracts,
  type ClickHouseStore,
  type LocalNatsServer,
  type Logger,
  type NatsConnection,
  type PlumblineConfig,
  type SyncReport,
} from '@plumbline/platform';
import type { KV } from '@nats-io/kv';

export interface Infrastructure {
  readonly config: PlumblineConfig;
  readonly logger: Logger;
  readonly natsUrl: string;
  readonly nc: NatsConnection;
  readonly buckets: { readonly contracts: KV; readonly policies: KV };
  readonly store: ClickHouseStore;
  close(): Promise<void>;
}

/** NATS (given or local), topology, and the ClickHouse store with its migrations. */
export async function openInfrastructure(
  config: PlumblineConfig,
  logger = createLogger(config.logLevel),
): Promise<Infrastructure> {
  let server: LocalNatsServer | undefined;
  let natsUrl = config.natsUrl;
  if (natsUrl === undefined) {
    server = await startLocalNatsServer({
      storeDir: join(config.dataDir, 'nats'),
      port: config.natsPort,
      reuse: true,
    });
    natsUrl = server.url;
    logger.info(
      { url: natsUrl, reused: !server.owned },
      server.owned ? 'started local nats-server' : 'reusing nats-server',
    );
  }
  const nc = await connectNats(natsUrl, `plumbline-${hostname()}-${process.pid}`);
  const buckets = await ensureTopology(nc, await jetstreamManager(nc));
  const store = await openStore(config);
  logger.info({ transport: store.transport, database: store.database }, 'ClickHouse store ready');
  return {
    config,
    logger,
    natsUrl,
    nc,
    buckets,
    store,
    async close() {
      await nc.drain().catch(() => undefined);
      await store.close();
      await server?.stop();
    },
  };
}

/** Loads `schemas/contracts` and `policies/` into the KV buckets (idempotent). */
export async function loadGitOpsSources(infra: Infrastructure): Promise<SyncReport> {
  const contractStore = new ContractStore(infra.buckets.contracts);
  const current = new ContractRegistry();
  const mirror = await contractStore.mirrorInto(current, () => undefined);
  await mirror.ready;
  mirror.stop();
  const files = await readContractFiles(join(infra.config.schemasDir, 'contracts'));
  const report = await syncContracts(
    files,
    contractStore,
    current,
    new ContractValidators(
      (uri) =>
        current.byUri(uri)?.schema ??
        files.versions.find((file) => typeof file.schema === 'object' && file.schema.$id === uri)
          ?.schema,
    ),
  );
  const policies = await readPolicyFiles(infra.config.policiesDir);
  const policyStore = new PolicyStore(infra.buckets.policies);
  if (JSON.stringify(await policyStore.get()) !== JSON.stringify(policies))
    await policyStore.put(policies);
  return report;
}

export function startWorker(
  infra: Infrastructure,
  workerId = `${hostname()}-${process.pid}`,
): Promise<GovernanceRuntime> {
  return startGovernanceRuntime({
    nc: infra.nc,
    buckets: infra.buckets,
    store: infra.store,
    config: infra.config,
    logger: infra.logger,
    workerId,
  });
}

export interface RegistryHandle {
  readonly service: ContractRegistryService;
  readonly registry: ContractRegistry;
  readonly audit: AuditLog;
  stop(): void;
}

/** The registry service for the API: its own live mirror of the contracts bucket. */
export async function openRegistry(infra: Infrastructure): Promise<RegistryHandle> {
  const contracts = new ContractStore(infra.buckets.contracts);
  const registry = new ContractRegistry();
  const mirror = await contracts.mirrorInto(registry, (error) =>
    infra.logger.error({ err: error }, 'ignored an unreadable contract entry'),
  );
  await mirror.ready;
  const audit = new AuditLog(infra.store);
  const service = new ContractRegistryService({
    contracts,
    registry,
    validators: new ContractValidators((uri) => registry.byUri(uri)?.schema),
    audit,
    lineage: infra.store,
  });
  return { service, registry, audit, stop: () => mirror.stop() };
}

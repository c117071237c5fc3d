import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  ContractRegistry,
  ContractValidators,
  compilePolicyGate,
  governanceEngineFor,
  defaultPolicySet,
  type Reason,
  type RetrySchedule,
} from '@plumbline/core';
import {
  DeadLetterService,
  startAutomaticRetry,
  startExpirySweep,
  startReplayRunner,
  type AutomaticRetry,
  type ExpirySweep,
  type ReplayRunner,
} from '@plumbline/dead-letters';
import { startGovernanceRuntime, type GovernanceRuntime } from '@plumbline/governance';
import { ContractRegistryService } from '@plumbline/registry';
import { createApp, type HealthProbes } from '@plumbline/api';
import { IdentityService } from '@plumbline/identity';
import { InsightsService, startFlowSealer } from '@plumbline/insights';
import {
  AuditLog,
  ContractStore,
  DeadLetterIndex,
  DeadLetterReader,
  DeadLetterStates,
  InsightsStore,
  KvLease,
  governanceConsumerLag,
  readInsightsPolicies,
  ReplayJobStore,
  PolicyStore,
  TokenStore,
  connectNats,
  credentialsDir,
  natsAuthorization,
  readNatsSeed,
  createLogger,
  ensureTopology,
  verifyIngestMapping,
  openStore,
  readContractFiles,
  readPolicyFiles,
  startLocalNatsServer,
  syncContracts,
  type ClickHouseStore,
  type LocalNatsServer,
  type NatsCredentials,
  type Logger,
  type NatsConnection,
  type PlumblineConfig,
  type SyncReport,
  type TopologyBuckets,
} from '@plumbline/platform';

export interface Infrastructure {
  readonly config: PlumblineConfig;
  readonly logger: Logger;
  readonly natsUrl: string;
  readonly nc: NatsConnection;
  readonly buckets: TopologyBuckets;
  readonly store: ClickHouseStore;
  close(): Promise<void>;
}

/** NATS (given or local), topology, and the ClickHouse store with its migrations. */
export async function openInfrastructure(
  config: PlumblineConfig,
  logger = createLogger(config.logLevel),
  options: {
    /** Only the process that owns the deployment (`plumbline start`) may recut INGEST. */
    readonly changeIngestLayout?: boolean;
  } = {},
): Promise<Infrastructure> {
  let server: LocalNatsServer | undefined;
  let natsUrl = config.natsUrl;
  let credentials: NatsCredentials = {};
  if (natsUrl === undefined) {
    // Least privilege at the broker: connectors get credentials for their own types only.
    const { ownership } = await readPolicyFiles(config.policiesDir);
    const authorization = natsAuthorization(credentialsDir(config.dataDir), ownership, {
      ingestPartitions: config.ingestPartitions,
    });
    credentials = { nkeySeed: authorization.plumbline.seed };
    server = await startLocalNatsServer({
      storeDir: join(config.dataDir, 'nats'),
      port: config.natsPort,
      reuse: true,
      authorization: authorization.config,
      ingestPartitions: config.ingestPartitions,
    });
    natsUrl = server.url;
    logger.info(
      { url: natsUrl, reused: !server.owned, connectors: authorization.connectors.length },
      server.owned ? 'started local nats-server (NKey authorization)' : 'reusing nats-server',
    );
  } else if (config.natsNkeySeedFile !== undefined) {
    credentials = { nkeySeed: readNatsSeed(config.natsNkeySeedFile).seed };
  }
  const nc = await connectNats(natsUrl, `plumbline-${hostname()}-${process.pid}`, credentials);
  const buckets = await ensureTopology(nc, await jetstreamManager(nc), {
    deadLetterRetentionDays: config.deadLetterRetentionDays,
    ingestPartitions: config.ingestPartitions,
    changeIngestLayout: options.changeIngestLayout ?? false,
    ingestResumeFrom: config.ingestResumeFrom,
  });
  await verifyIngestMapping(nc, config.ingestPartitions);
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

export interface IdentityHandle {
  readonly service: IdentityService;
  readonly tokens: TokenStore;
  stop(): void;
}

/** Access tokens for the API: a live mirror of the token bucket and the service over it. */
export async function openIdentity(
  infra: Infrastructure,
  audit: AuditLog,
): Promise<IdentityHandle> {
  const tokens = new TokenStore(infra.buckets.tokens);
  await tokens.open((error) => infra.logger.error({ err: error }, 'token bucket watch failed'));
  return {
    service: new IdentityService({ tokens, audit }),
    tokens,
    stop: () => tokens.close(),
  };
}

export interface DeadLetterHandle {
  readonly service: DeadLetterService;
  readonly runner: ReplayRunner;
  readonly retry: AutomaticRetry;
  readonly expiry: ExpirySweep;
  stop(): Promise<void>;
}

/** A replay job's lease: renewed every third of it; a crashed runner's jobs resume after it. */
const replayLeaseMs = 15_000;

export interface DeadLetterOptions {
  /** Retry schedules for transient causes (default: the policy's; tests shorten them). */
  readonly retrySchedules?: Readonly<Partial<Record<Reason, RetrySchedule>>>;
}

/**
 * Dead letters for support: the service over the index, the replay runner and the automatic
 * retries. Dry runs decide with the live contracts and policies, rate limits off.
 */
export async function openDeadLetters(
  infra: Infrastructure,
  registry: RegistryHandle,
  options: DeadLetterOptions = {},
): Promise<DeadLetterHandle> {
  let gate = compilePolicyGate(defaultPolicySet);
  const policies = await new PolicyStore(infra.buckets.policies).mirror(
    (current) => {
      gate = compilePolicyGate({ ...current, rateLimits: { ...current.rateLimits, rules: [] } });
    },
    (error) => infra.logger.error({ err: error }, 'ignored an unreadable policy entry'),
  );
  await policies.ready;
  const decide = governanceEngineFor(registry.registry, () => gate);
  const index = new DeadLetterIndex(infra.store);
  const states = new DeadLetterStates(infra.buckets.deadLetterStates);
  const jobs = new ReplayJobStore(infra.buckets.replayJobs);
  await jobs.open((error) => infra.logger.error({ err: error }, 'replay job watch failed'));
  const reader = new DeadLetterReader(infra.nc);
  const service = new DeadLetterService({
    index,
    states,
    jobs,
    reader,
    audit: registry.audit,
    lineage: infra.store,
    decide,
  });
  // Unique per runner, also for several in one process (tests): a lease is held by one runner.
  const runnerId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const runner = startReplayRunner({
    js: jetstream(infra.nc),
    index,
    states,
    jobs,
    reader,
    logger: infra.logger,
    lease: (name) => new KvLease(infra.buckets.leases, name, runnerId, replayLeaseMs),
  });
  const retry = startAutomaticRetry({
    index,
    jobs,
    logger: infra.logger,
    intervalMs: infra.config.retrySweepMs,
    ...(options.retrySchedules === undefined ? {} : { schedules: options.retrySchedules }),
  });
  const expiry = startExpirySweep({
    index,
    jsm: await jetstreamManager(infra.nc),
    logger: infra.logger,
  });
  return {
    service,
    runner,
    retry,
    expiry,
    async stop() {
      expiry.stop();
      retry.stop();
      await runner.stop();
      jobs.close();
      policies.stop();
    },
  };
}

export interface ApiHandle {
  readonly app: ReturnType<typeof createApp>;
  readonly identity: IdentityHandle;
  readonly registry: RegistryHandle;
  readonly deadLetters: DeadLetterHandle;
  stop(): Promise<void>;
}

/**
 * Flows and KPIs: definitions from `policies/flows/` and `policies/kpis.yaml` (read at start),
 * the rollups in ClickHouse and the governance consumer's lag.
 */
export async function openInsights(
  infra: Infrastructure,
  options: { readonly now?: () => number } = {},
): Promise<InsightsService> {
  const { naming } = await readPolicyFiles(infra.config.policiesDir);
  return InsightsService.open({
    store: new InsightsStore(infra.store),
    policies: await readInsightsPolicies(infra.config.policiesDir, naming),
    consumerLag: governanceConsumerLag(infra.nc, infra.config.ingestPartitions),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
}

/** The control API with everything behind it: registry, identity, audit, dead letters, flows, KPIs. */
export async function openApi(
  infra: Infrastructure,
  health: HealthProbes,
  options: DeadLetterOptions = {},
): Promise<ApiHandle> {
  const registry = await openRegistry(infra);
  const identity = await openIdentity(infra, registry.audit);
  const deadLetters = await openDeadLetters(infra, registry, options);
  const insights = await openInsights(infra);
  const sealer = startFlowSealer({
    store: new InsightsStore(infra.store),
    flows: insights.flows,
    logger: infra.logger,
  });
  const app = createApp({
    logger: infra.logger,
    health,
    authenticator: identity.service,
    ratePerSecond: infra.config.apiRatePerSecond,
    identity: identity.service,
    audit: registry.audit,
    registry: { service: registry.service, config: () => registry.registry.config },
    deadLetters: { reader: new DeadLetterReader(infra.nc), service: deadLetters.service },
    insights,
  });
  return {
    app,
    identity,
    registry,
    deadLetters,
    async stop() {
      await sealer.stop();
      await deadLetters.stop();
      identity.stop();
      registry.stop();
    },
  };
}

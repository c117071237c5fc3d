import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  ContractRegistry,
  compilePolicyGate,
  governanceEngineFor,
  defaultPolicySet,
  extractProperties,
  readAnnotations,
  type PolicyGate,
} from '@plumbline/core';
import {
  Buckets,
  ContractStore,
  DeadLetterIndex,
  KvLease,
  PolicyStore,
  PublishedOutputs,
  RollupFeed,
  type ClickHouseStore,
  type KvMirror,
  type Logger,
  type NatsConnection,
  type PlumblineConfig,
  type TopologyBuckets,
} from '@plumbline/platform';
import { startDeadLetterIndexer, type DeadLetterIndexer } from './dead-letter-indexer';
import { startGovernanceWorker, type GovernanceWorker } from './governance-worker';
import { startRollupFeeder, type RollupFeeder } from './rollup-feeder';

export interface GovernanceRuntime {
  readonly registry: ContractRegistry;
  readonly worker: GovernanceWorker;
  readonly deadLetterIndexer: DeadLetterIndexer;
  readonly rollupFeeder: RollupFeeder;
  /** Revision of the policies in force (bumped on every change seen). */
  policyRevision(): number;
  stop(): Promise<void>;
}

export interface GovernanceRuntimeOptions {
  readonly nc: NatsConnection;
  readonly buckets: Pick<TopologyBuckets, 'contracts' | 'policies' | 'leases' | 'published'>;
  readonly store: ClickHouseStore;
  readonly config: Pick<
    PlumblineConfig,
    'worker' | 'rollupIntervalMs' | 'ingestPartitions' | 'ingestPartitionLeaseMs'
  >;
  readonly logger: Logger;
  readonly workerId: string;
}

/**
 * One governance worker with its live view of contracts and policies: both are mirrored from
 * KV, so a new contract version or policy applies to the next message, without a restart. Beside
 * it, the projections kept from what it writes: the dead-letter index and the flow and KPI
 * rollups (fed by one process per ClickHouse database; a lease decides which when it is a server).
 */
export async function startGovernanceRuntime(
  options: GovernanceRuntimeOptions,
): Promise<GovernanceRuntime> {
  const { logger } = options;
  const registry = new ContractRegistry();
  let gate: PolicyGate = compilePolicyGate(defaultPolicySet);
  let policyRevision = 0;

  const mirrors: KvMirror[] = [
    await new ContractStore(options.buckets.contracts).mirrorInto(registry, (error) =>
      logger.error({ err: error }, 'ignored an unreadable contract entry'),
    ),
    await new PolicyStore(options.buckets.policies).mirror(
      (policies) => {
        gate = compilePolicyGate(policies);
        policyRevision += 1;
      },
      (error) =>
        logger.error(
          { err: error },
          'ignored an unreadable policy entry; previous policies stay in force',
        ),
    ),
  ];
  await Promise.all(mirrors.map((mirror) => mirror.ready));

  const decide = governanceEngineFor(registry, () => gate);
  const worker = await startGovernanceWorker({
    nc: options.nc,
    js: jetstream(options.nc),
    store: options.store,
    decide,
    logger,
    workerId: options.workerId,
    batchSize: options.config.worker.batchSize,
    batchLingerMs: options.config.worker.batchLingerMs,
    maxHeldBytes: options.config.worker.maxHeldBytes,
    lineageIntervalMs: options.config.worker.lineageIntervalMs,
    maxDeliveries: options.config.worker.maxDeliveries,
    published: new PublishedOutputs(
      options.buckets.published,
      await jetstreamManager(options.nc),
      Buckets.Published,
    ),
    ingestPartitions: options.config.ingestPartitions,
    leases: options.buckets.leases,
    partitionLeaseMs: options.config.ingestPartitionLeaseMs,
  });
  const deadLetterIndexer = await startDeadLetterIndexer({
    nc: options.nc,
    // A quarter of the worker's: dead letters are a tenth of the traffic, or less.
    maxHeldBytes: options.config.worker.maxHeldBytes / 4,
    index: new DeadLetterIndex(options.store),
    businessKeyOf: (type, data) => {
      const contract = registry.latestUsable(type);
      if (contract === undefined || typeof data !== 'object' || data === null) return '';
      return extractProperties(readAnnotations(contract.schema), data).businessKey;
    },
    logger,
  });
  const rollupFeeder = startRollupFeeder({
    feed: new RollupFeed(options.store),
    intervalMs: options.config.rollupIntervalMs,
    logger,
    ...(options.store.transport === 'chdb'
      ? {}
      : {
          lease: new KvLease(
            options.buckets.leases,
            `rollups.${options.store.database}`,
            options.workerId,
            Math.max(15_000, options.config.rollupIntervalMs * 10),
          ),
        }),
  });
  logger.info(
    { workerId: options.workerId, contracts: registry.types().length },
    'governance worker started',
  );
  return {
    registry,
    worker,
    deadLetterIndexer,
    rollupFeeder,
    policyRevision: () => policyRevision,
    async stop() {
      await worker.stop();
      await deadLetterIndexer.stop();
      await rollupFeeder.stop();
      for (const mirror of mirrors) mirror.stop();
    },
  };
}

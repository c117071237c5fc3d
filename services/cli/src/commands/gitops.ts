import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  IngestPartitions,
  credentialsDir,
  natsAuthorization,
  readContractFiles,
  readInsightsPolicies,
  readPolicyFiles,
  type PlumblineConfig,
} from '@plumbline/platform';
import { loadGitOpsSources, openInfrastructure } from '../boot';

/** `plumbline contracts sync` / `plumbline policies sync`: load the GitOps sources into NATS KV. */
export async function syncSources(
  config: PlumblineConfig,
  out: (line: string) => void,
): Promise<void> {
  const infra = await openInfrastructure(config);
  try {
    const report = await loadGitOpsSources(infra);
    out(
      `contracts: ${report.registered.length} registered, ${report.unchanged.length} unchanged, ${report.subjects} subjects`,
    );
    for (const name of report.registered) out(`  + ${name}`);
    out('policies: in force');
  } finally {
    await infra.close();
  }
}

/** `plumbline policies check` and `plumbline contracts check-files`: validate files offline. */
export async function checkFiles(
  config: PlumblineConfig,
  out: (line: string) => void,
): Promise<void> {
  const contracts = await readContractFiles(join(config.schemasDir, 'contracts'));
  const { naming } = await readPolicyFiles(config.policiesDir);
  const { flows, kpis } = await readInsightsPolicies(config.policiesDir, naming);
  out(
    `ok: ${contracts.versions.length} contract versions, ${contracts.subjects.length} subjects, policies valid (${flows.length} flows, ${kpis.business.length} KPIs)`,
  );
}

/**
 * `plumbline nats-auth`: the nats-server `authorization` block generated from
 * `policies/ownership.yaml`, for operators running their own NATS (NATS_URL). Seeds are created
 * under `<data dir>/nats/credentials` on first use and kept; hand each connector its own file.
 * With `PLUMBLINE_INGEST_PARTITIONS` above 1, also the subject mapping that partitions INGEST.
 */
export async function natsAuth(
  config: PlumblineConfig,
  out: (line: string) => void,
  err: (line: string) => void,
  outFile: string | undefined,
): Promise<void> {
  const { ownership } = await readPolicyFiles(config.policiesDir);
  const authorization = natsAuthorization(credentialsDir(config.dataDir), ownership, {
    ingestPartitions: config.ingestPartitions,
  });
  // With INGEST partitioned, the subject mapping belongs in the same configuration.
  const text =
    config.ingestPartitions > 1
      ? `${authorization.config}${IngestPartitions.serverMapping(config.ingestPartitions)}\n`
      : authorization.config;
  if (outFile === undefined) out(text);
  else {
    await writeFile(outFile, text, { mode: 0o600 });
    err(`wrote ${outFile}; include it in nats-server.conf and reload the server (SIGHUP)`);
  }
  err(`plumbline: ${authorization.plumbline.seedFile} (set NATS_NKEY_SEED_FILE to it)`);
  for (const connector of authorization.connectors)
    err(
      `${connector.source}: ${connector.identity.seedFile}, may publish ${connector.publish.allow.join(' ')}; connect with inboxPrefix ${connector.inboxPrefix}`,
    );
}

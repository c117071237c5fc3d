import { join } from 'node:path';
import { readContractFiles, readPolicyFiles, type PlumblineConfig } from '@plumbline/platform';
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
  await readPolicyFiles(config.policiesDir);
  out(
    `ok: ${contracts.versions.length} contract versions, ${contracts.subjects.length} subjects, policies valid`,
  );
}

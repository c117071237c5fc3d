import { join } from 'node:path';
import type { PlumblineConfig } from '../config/config';
import { openChdbStore } from './chdb-store';
import type { ClickHouseStore } from './clickhouse-store';
import { openHttpStore } from './http-store';
import { migrate } from './migrations';

/** Opens the configured store and brings its schema up to date. */
export async function openStore(
  config: Pick<PlumblineConfig, 'clickhouseUrl' | 'clickhouseDatabase' | 'dataDir'>,
): Promise<ClickHouseStore> {
  const store =
    config.clickhouseUrl === undefined
      ? openChdbStore(join(config.dataDir, 'clickhouse'), config.clickhouseDatabase)
      : openHttpStore(config.clickhouseUrl, config.clickhouseDatabase);
  await migrate(store);
  return store;
}

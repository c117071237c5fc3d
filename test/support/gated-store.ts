import type { ClickHouseStore } from '@plumbline/platform';

/**
 * Fault injection around a real store: inserts into one table wait for `release()` while `held`,
 * or fail while `failures` is above zero; everything else goes straight to the store.
 */
export class GatedStore {
  failures = 0;
  held = false;
  /** Inserts into the gated table so far (held or failed ones included). */
  inserts = 0;
  #waiting: (() => void)[] = [];

  /** `table` without its database: `lineage_v1`, `dead_letters_v1`. */
  constructor(private readonly table: string) {}

  wrap(store: ClickHouseStore): ClickHouseStore {
    const gated = `${store.database}.${this.table}`;
    return {
      transport: store.transport,
      database: store.database,
      command: (sql, params) => store.command(sql, params),
      query: (sql, params) => store.query(sql, params),
      close: () => store.close(),
      insert: async (table, rows) => {
        if (table === gated) {
          this.inserts += 1;
          if (this.held) await new Promise<void>((resolve) => this.#waiting.push(resolve));
          if (this.failures > 0) {
            this.failures -= 1;
            throw new Error('Code: 241. Memory limit exceeded (injected)');
          }
        }
        await store.insert(table, rows);
      },
    };
  }

  release(): void {
    this.held = false;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
}

import { Hono } from 'hono';

export type ComponentState = { readonly up: boolean; readonly detail?: string };

/** What the health route asks; each probe answers quickly and never throws. */
export interface HealthProbes {
  nats(): Promise<ComponentState>;
  jetstream(): Promise<ComponentState>;
  clickhouse(): Promise<ComponentState>;
  worker(): Promise<ComponentState>;
  rollups(): Promise<ComponentState>;
}

export function healthRoutes(probes: HealthProbes) {
  return new Hono().get('/', async (c) => {
    const entries = await Promise.all(
      (['nats', 'jetstream', 'clickhouse', 'worker', 'rollups'] as const).map(
        async (name) => [name, await settle(probes[name]())] as const,
      ),
    );
    const components = Object.fromEntries(entries);
    const down = entries.filter(([, state]) => !state.up).map(([name]) => name);
    return c.json(
      { status: down.length === 0 ? 'up' : 'down', down, components },
      down.length === 0 ? 200 : 503,
    );
  });
}

async function settle(probe: Promise<ComponentState>): Promise<ComponentState> {
  const timeout = new Promise<ComponentState>((resolve) =>
    setTimeout(() => resolve({ up: false, detail: 'no answer within 2 s' }), 2_000).unref(),
  );
  try {
    return await Promise.race([probe, timeout]);
  } catch (error) {
    return { up: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

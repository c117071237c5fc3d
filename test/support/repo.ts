import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root (the directory holding turbo.json). */
export function repoRoot(from: string = import.meta.dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'turbo.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no turbo.json above ${from}`);
    dir = parent;
  }
  return dir;
}

#!/usr/bin/env node
import { Command } from 'commander';
import { isPlumblineError } from '@plumbline/core';
import { loadConfig } from '@plumbline/platform';
import { checkFiles, syncSources } from './commands/gitops';
import { start } from './commands/start';
import { worker } from './commands/worker';

/** Exit codes: 0 ok, 1 a check failed (e.g. incompatible contract), 2 usage or I/O error. */
const out = (line: string) => process.stdout.write(`${line}\n`);
const config = () => loadConfig(process.env);

const program = new Command('plumbline')
  .description(
    'Integration governance and business observability for Odoo and the systems beside it',
  )
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

program
  .command('start')
  .description('run NATS, ClickHouse, the worker, the API and demo traffic')
  .action(() => start(config()));
program
  .command('worker')
  .description('run one more governance worker against NATS_URL')
  .action(() => worker(config()));
program
  .command('check')
  .description('validate schemas/ and policies/ offline (file and line for every problem)')
  .action(() => checkFiles(config(), out));
program
  .command('sync')
  .description('load schemas/contracts and policies/ into the registry (idempotent)')
  .action(() => syncSources(config(), out));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(
    `plumbline: ${isPlumblineError(error) || error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(2);
}

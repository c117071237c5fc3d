#!/usr/bin/env node
import { Command } from 'commander';
import { loadConfig } from '@plumbline/platform';
import { ApiError } from './api-client';
import { authCommands } from './commands/auth';
import { contractsCommand } from './commands/contracts';
import { dlqCommand } from './commands/dlq';
import { insightsCommands } from './commands/insights';
import { checkFiles, natsAuth, syncSources } from './commands/gitops';
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

program
  .command('nats-auth')
  .description('print (or --out FILE) the nats-server authorization generated from policies/')
  .option('--out <file>', 'write the authorization block to this file (mode 0600)')
  .action((options: { out?: string }) =>
    natsAuth(config(), out, (line) => process.stderr.write(`${line}\n`), options.out),
  );

const cliIo = {
  out,
  err: (line: string) => process.stderr.write(`${line}\n`),
  exit: (code: number) => (process.exitCode = code),
};
const contracts = contractsCommand(cliIo, process.env);
contracts
  .command('sync')
  .description('load schemas/contracts and policies/ into the registry (idempotent)')
  .action(() => syncSources(config(), out));
program.addCommand(contracts);
for (const command of authCommands(cliIo, process.env)) program.addCommand(command);
program.addCommand(dlqCommand(cliIo, process.env));
for (const command of insightsCommands(cliIo, process.env)) program.addCommand(command);
// Usage errors exit 2 everywhere, subcommands included (settings are not inherited by addCommand).
const usageExit = (command: Command): void => {
  command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  command.commands.forEach(usageExit);
};
usageExit(program);

const checkFailures = [
  'incompatible_contract',
  'unsafe_contract',
  'lint_failed',
  'invalid_contract',
];

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // A refused registration (incompatible, unsafe, lint) is a failed check: exit 1, with details.
  if (error instanceof ApiError && checkFailures.includes(error.code)) {
    process.stderr.write(`plumbline: ${error.code}: ${error.message}\n`);
    const problems = (error.body.problems ?? []) as {
      pointer?: string;
      kind?: string;
      code?: string;
      rule?: string;
      message?: string;
    }[];
    for (const problem of problems) {
      process.stderr.write(
        `  ${problem.kind ?? problem.code ?? problem.rule ?? ''} ${problem.pointer ?? ''}: ${problem.message ?? ''}\n`,
      );
    }
    process.exit(1);
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`plumbline: ${message}\n`);
  if (error instanceof ApiError && error.code === 'unauthenticated')
    process.stderr.write(
      process.env.PLUMBLINE_TOKEN === undefined
        ? '  set PLUMBLINE_TOKEN to an access token (plumbline auth create, or the bootstrap token printed at first start)\n'
        : '  PLUMBLINE_TOKEN was refused; ask an admin for a new one (plumbline auth create)\n',
    );
  process.exit(2);
}

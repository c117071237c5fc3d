#!/usr/bin/env node
// The test command (`npm test`): installs what is missing, then runs format check, lint,
// typecheck and every vitest project (unit and system tests against real NATS and chDB).
// Ends with one plain line `N passed, N failed, N skipped` taken from vitest's JSON report;
// the static checks count as one test each. Exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const step = (title) => process.stdout.write(`\n== ${title}\n`);

function run(command, args, extraEnv = {}) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...extraEnv },
  });
  return result.status === 0;
}

step('install');
if (!run('node', ['services/cli/bin/ensure-installed.mjs'])) process.exit(1);

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
for (const [title, command, args] of [
  ['format (prettier --check)', bin('prettier'), ['--check', '--log-level=warn', '.']],
  ['lint (eslint, zero warnings)', bin('eslint'), ['--max-warnings=0', '.']],
  [
    'typecheck (tsc per workspace, via turbo)',
    bin('turbo'),
    ['run', 'typecheck', '--output-logs=errors-only'],
  ],
]) {
  step(title);
  if (run(command, args)) passed += 1;
  else {
    failed += 1;
    failures.push(title);
  }
}

step('tests (vitest: unit + system)');
const reportDir = mkdtempSync(join(tmpdir(), 'plumbline-vitest-'));
const reportFile = join(reportDir, 'report.json');
const vitestOk = run(bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${reportFile}`,
]);
let report;
try {
  report = JSON.parse(readFileSync(reportFile, 'utf8'));
} catch {
  report = undefined;
}
rmSync(reportDir, { recursive: true, force: true });
if (report === undefined) {
  failed += 1;
  failures.push('vitest produced no JSON report');
} else {
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  // A suite that fails to load has no failed tests but is still a failure.
  const brokenSuites = report.testResults.filter(
    (suite) => suite.status === 'failed' && suite.assertionResults.length === 0,
  );
  failed += brokenSuites.length;
  for (const suite of brokenSuites) failures.push(`suite failed to run: ${suite.name}`);
  if (!vitestOk && report.numFailedTests === 0 && brokenSuites.length === 0) {
    failed += 1;
    failures.push('vitest exited non-zero');
  }
}

if (failures.length > 0) process.stdout.write(`\nFailed: ${failures.join('; ')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed > 0 ? 1 : 0);

#!/usr/bin/env node
// Installs what a fresh machine lacks before anything else runs. No dependencies: it runs before
// `npm ci`. Used by `npm start`, `npm test` and `npm run bench`.
//  - node_modules missing or older than package-lock.json -> `npm ci`
//  - nats-server missing (and NATS_URL unset)             -> `apt-get install nats-server`
//  - chromium missing, when --chromium is given            -> `apt-get install chromium`
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const log = (message) => process.stderr.write(`[plumbline] ${message}\n`);

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    log(`'${command} ${args.join(' ')}' failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

function has(binary) {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

function aptInstall(pkg) {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const prefix = asRoot ? [] : has('sudo') ? ['sudo'] : null;
  if (prefix === null) {
    log(
      `${pkg} is not installed and this user cannot run apt-get; install it with: apt-get install ${pkg}`,
    );
    process.exit(1);
  }
  log(`installing Debian package ${pkg} (apt-get)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', pkg],
  ]) {
    const [cmd, ...rest] = [...prefix, 'apt-get', ...args];
    const result = spawnSync(cmd, rest, { stdio: 'inherit', env });
    if (result.status !== 0) {
      log(`apt-get ${args.join(' ')} failed`);
      process.exit(1);
    }
  }
}

const lock = join(root, 'package-lock.json');
const marker = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  log('installing dependencies (npm ci)…');
  const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (ci.status !== 0) {
    // npm ci refuses a lock that lacks optional packages for other platforms (turbo's macOS and
    // Windows binaries), which a registry mirror without them cannot record. npm install
    // installs the same locked versions and skips optional packages it cannot fetch.
    log('npm ci refused the lockfile; installing the locked versions with npm install instead…');
    run('npm', ['install', '--no-audit', '--no-fund']);
  }
}

if (!process.env.NATS_URL && !has('nats-server')) aptInstall('nats-server');
if (process.argv.includes('--chromium') && !existsSync('/usr/bin/chromium')) aptInstall('chromium');

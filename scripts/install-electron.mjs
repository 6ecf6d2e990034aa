// postinstall: npm denies electron's own install script (allowScripts), so its binary download happens here,
// bounded in time and never failing `npm install`: without Electron the browser UI still works.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { electronBinaryPath, electronPackageDir } from './electron-binary.mjs';

// About 100 MB; slow links can raise it with SIMCLR_ELECTRON_TIMEOUT_S.
const DOWNLOAD_TIME_LIMIT_MS = (Number(process.env.SIMCLR_ELECTRON_TIMEOUT_S) || 120) * 1000;
const FALLBACK = 'the browser UI works instead: `npm run serve` (or `npm start`, which falls back to it)';

function report(line) {
  console.log(`simclr-studio: ${line}`);
}

function unavailable(reason) {
  report(`Electron binary not downloaded (${reason}), so the desktop shell is unavailable; ${FALLBACK}.`);
}

function isSet(name) {
  const value = process.env[name];
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** Removes a partial download so that a later check cannot mistake it for a working binary. */
function removePartialBinary(packageDir) {
  // An override folder belongs to the user, not to us.
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return;
  try {
    rmSync(join(packageDir, 'path.txt'), { force: true });
    rmSync(join(packageDir, 'dist'), { recursive: true, force: true });
  } catch {
    // Best effort: electronBinaryPath() also checks the version file, so leftovers rarely pass.
  }
}

/** A few words for why electron's installer failed, from what it printed. */
function failureReason(output) {
  const patterns = [
    [/fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|socket hang up/i, 'no network access to the download server'],
    [/checksum/i, 'checksum mismatch'],
    [/ENOSPC/, 'disk full'],
    [/EACCES|EPERM/, 'no permission to write node_modules/electron'],
    [/Cannot find module/, "electron's installer is missing a dependency"],
  ];
  for (const [pattern, reason] of patterns) if (pattern.test(output)) return reason;
  const status = /HTTP(?:Error)?[^\d]{0,20}(\d{3})/i.exec(output);
  if (status) return `HTTP ${status[1]} from the download server`;
  const firstLine = output.split('\n').map((line) => line.trim()).find(Boolean);
  return firstLine ? firstLine.slice(0, 80) : 'installer failed without a message';
}

/** Runs electron's own install.js with a time limit; resolves to null on success or a failure reason. */
function runElectronInstaller(packageDir) {
  return new Promise((resolve) => {
    const installer = spawn(process.execPath, [join(packageDir, 'install.js')], {
      cwd: packageDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk) => {
      // Only the start matters for the reason; a stack trace can be long.
      if (output.length < 4000) output += chunk;
    };
    installer.stdout.on('data', collect);
    installer.stderr.on('data', collect);

    let settled = false;
    const settle = (reason) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const signal of ['SIGINT', 'SIGTERM']) process.off(signal, onInterrupt);
      resolve(reason);
    };
    const timer = setTimeout(() => {
      installer.kill('SIGKILL');
      settle(`timed out after ${DOWNLOAD_TIME_LIMIT_MS / 1000} s`);
    }, DOWNLOAD_TIME_LIMIT_MS);
    const onInterrupt = () => {
      installer.kill('SIGKILL');
      settle('interrupted');
    };
    for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, onInterrupt);

    installer.on('error', (error) => settle(`could not start the installer: ${error.message}`));
    installer.on('close', (code, signal) => {
      if (code === 0) settle(null);
      else settle(signal ? `installer killed by ${signal}` : failureReason(output));
    });
  });
}

async function main() {
  const present = electronBinaryPath();
  if (present) {
    report(`Electron binary present (${present}): the desktop shell is ready, run \`npm start\`.`);
    return;
  }
  const packageDir = electronPackageDir();
  if (!packageDir) {
    unavailable('the electron package is not installed, e.g. with --omit=dev');
    return;
  }
  for (const name of ['SIMCLR_SKIP_ELECTRON', 'ELECTRON_SKIP_BINARY_DOWNLOAD']) {
    if (isSet(name)) {
      unavailable(`skipped because ${name} is set`);
      return;
    }
  }

  // Whatever is there is not a working binary; clear it so the installer starts clean and a failure leaves nothing.
  removePartialBinary(packageDir);
  const failure = await runElectronInstaller(packageDir);
  const installed = failure === null ? electronBinaryPath() : null;
  if (installed) {
    report(`Electron binary downloaded (${installed}): the desktop shell is ready, run \`npm start\`.`);
    return;
  }
  removePartialBinary(packageDir);
  unavailable(failure ?? 'the installer finished but no binary is in place');
}

try {
  await main();
} catch (error) {
  unavailable(`unexpected error: ${error instanceof Error ? error.message : String(error)}`);
}
// A missing desktop shell must never fail `npm install`.
process.exit(0);

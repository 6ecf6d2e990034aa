// Child processes for the npm scripts (start, dist, rebuild): run with the terminal attached, and find a
// package's CLI so that it runs with this Node, with no npx or shell (the same on Windows).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs a child with the terminal attached, forwarding Ctrl-C and kill; resolves to its exit code. */
export function runInherited(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: projectRoot, stdio: 'inherit', ...options });
    const forward = (signal) => child.kill(signal);
    const signals = ['SIGINT', 'SIGTERM'];
    for (const signal of signals) process.on(signal, forward);
    const done = (code) => {
      for (const signal of signals) process.off(signal, forward);
      resolve(code);
    };
    child.on('error', (error) => {
      console.error(`simclr-studio: could not run ${command}: ${error.message}`);
      done(1);
    });
    // A child ended by a signal reports no code; the shell convention is 128 + the signal's number.
    child.on('exit', (code, signal) => done(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1)));
  });
}

/** The file a package's `bin` entry names (its CLI), or null when the package is not installed. */
export function packageBin(packageName, binName = packageName) {
  try {
    const packageJson = createRequire(import.meta.url).resolve(`${packageName}/package.json`);
    const { bin } = JSON.parse(readFileSync(packageJson, 'utf8'));
    return join(dirname(packageJson), typeof bin === 'string' ? bin : bin[binName]);
  } catch {
    return null;
  }
}

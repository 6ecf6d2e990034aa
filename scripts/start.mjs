// npm start: the desktop shell when the Electron binary is there, otherwise the same app in the browser.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinaryPath } from './electron-binary.mjs';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const extraArgs = process.argv.slice(2);

/** Runs a child with the terminal attached, forwarding Ctrl-C and kill; resolves to its exit code. */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: projectRoot, stdio: 'inherit' });
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

/** electron-vite's CLI, run with this Node so no npx or shell is needed (the same on Windows); null if absent. */
function electronViteCli() {
  try {
    const packageJson = createRequire(import.meta.url).resolve('electron-vite/package.json');
    const { bin } = JSON.parse(readFileSync(packageJson, 'utf8'));
    return join(dirname(packageJson), typeof bin === 'string' ? bin : bin['electron-vite']);
  } catch {
    return null;
  }
}

async function startDesktopShell(electron) {
  // Only a missing build is built here; `npm run build` refreshes a stale one.
  if (!existsSync(join(projectRoot, 'out', 'main', 'index.js'))) {
    const cli = electronViteCli();
    if (!cli) {
      console.error('simclr-studio: no build in out/ and electron-vite is not installed to make one (`npm install` with dev dependencies).');
      return 1;
    }
    console.log('simclr-studio: no build in out/, building it first (electron-vite build).');
    const built = await run(process.execPath, [cli, 'build']);
    if (built !== 0) return built;
  }
  // What `electron-vite preview` does after its build: Electron on the project root, whose package.json names out/main.
  return run(electron, ['.', ...extraArgs]);
}

function startBrowserUi() {
  console.log('simclr-studio: the Electron binary is not installed, so serving the browser UI instead.');
  return run(process.execPath, [join(projectRoot, 'bin', 'simclr-studio.mjs'), 'serve', ...extraArgs]);
}

const electron = electronBinaryPath();
process.exitCode = electron ? await startDesktopShell(electron) : await startBrowserUi();

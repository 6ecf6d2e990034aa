// npm start: the desktop shell when the Electron binary is there, otherwise the same app in the browser.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageBin, projectRoot, runInherited } from './child.mjs';
import { electronBinaryPath } from './electron-binary.mjs';
import { ensureNativeModulesFor } from './native-modules.mjs';

const extraArgs = process.argv.slice(2);

async function startDesktopShell(electron) {
  // Only a missing build is built here; `npm run build` refreshes a stale one.
  if (!existsSync(join(projectRoot, 'out', 'main', 'index.js'))) {
    const cli = packageBin('electron-vite');
    if (!cli) {
      console.error('simclr-studio: no build in out/ and electron-vite is not installed to make one (`npm install` with dev dependencies).');
      return 1;
    }
    console.log('simclr-studio: no build in out/, building it first (electron-vite build).');
    const built = await runInherited(process.execPath, [cli, 'build']);
    if (built !== 0) return built;
  }
  // better-sqlite3 as `npm install` built it serves the system Node; Electron needs its own build. Should this
  // fail, the shell's start-up check still shows what is wrong instead of a blank window.
  await ensureNativeModulesFor('electron');
  // What `electron-vite preview` does after its build: Electron on the project root, whose package.json names out/main.
  return runInherited(electron, ['.', ...extraArgs]);
}

function startBrowserUi() {
  console.log('simclr-studio: the Electron binary is not installed, so serving the browser UI instead.');
  return runInherited(process.execPath, [join(projectRoot, 'bin', 'simclr-studio.mjs'), 'serve', ...extraArgs]);
}

const electron = electronBinaryPath();
process.exitCode = electron ? await startDesktopShell(electron) : await startBrowserUi();

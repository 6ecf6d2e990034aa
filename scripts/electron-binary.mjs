// Where the Electron executable is, when npm's denied install script has been made up for. Shared by
// install-electron.mjs and start.mjs so that "present" means the same thing to both.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The electron package folder, or null when it is not installed (e.g. `npm install --omit=dev`). */
export function electronPackageDir() {
  try {
    // package.json, not the package itself: requiring 'electron' starts a download when the binary is missing.
    return dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/**
 * The Electron executable's absolute path, or null when it is missing or only half there.
 * Mirrors electron's own install.js: path.txt names the executable, dist/version matches the package.
 * @returns {string | null}
 */
export function electronBinaryPath() {
  const packageDir = electronPackageDir();
  if (!packageDir) return null;
  try {
    const executable = readFileSync(join(packageDir, 'path.txt'), 'utf8').trim();
    const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
    if (override) return existsOrNull(join(override, executable));
    const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    const distVersion = readFileSync(join(packageDir, 'dist', 'version'), 'utf8').trim().replace(/^v/, '');
    if (distVersion !== version) return null;
    return existsOrNull(join(packageDir, 'dist', executable));
  } catch {
    return null;
  }
}

function existsOrNull(path) {
  return existsSync(path) ? path : null;
}

// npm run dist: the installers for this platform (AppImage and deb, dmg, or NSIS; electron-builder.yml), from
// a fresh build. electron-builder packs the Electron binary that `npm install` downloaded and rebuilds the
// native modules for it; without that binary there is nothing to pack, which one line says, exiting 0.
// Extra arguments go to electron-builder (e.g. `npm run dist -- --linux deb`).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageBin, projectRoot, runInherited } from './child.mjs';
import { electronBinaryPath, electronPackageDir } from './electron-binary.mjs';

const builderArgs = process.argv.slice(2);
const say = (line) => console.log(`simclr-studio: ${line}`);

/** Installers and packages in dist/, newest first: what the user came for. */
function artifacts(outDir) {
  try {
    return readdirSync(outDir)
      .filter((name) => /\.(AppImage|deb|dmg|exe)$/.test(name))
      .map((name) => ({ name, bytes: statSync(join(outDir, name)).size }));
  } catch {
    return [];
  }
}

async function main() {
  const electron = electronBinaryPath();
  if (!electron) {
    say('no installers built: the Electron binary they pack is not installed (its download was unavailable at npm install); on a machine with internet, run npm install and then npm run dist.');
    return 0;
  }
  const viteCli = packageBin('electron-vite');
  const builderCli = packageBin('electron-builder');
  if (!viteCli || !builderCli) {
    say('npm run dist needs the dev dependencies (electron-vite, electron-builder): run npm install without --omit=dev.');
    return 1;
  }
  const built = await runInherited(process.execPath, [viteCli, 'build']);
  if (built !== 0) return built;

  // Building for this machine's own platform packs the downloaded binary instead of fetching Electron again.
  const crossPlatform = builderArgs.some((arg) => /^--(mac|macos|m|win|windows|w|linux|l)$/.test(arg) && !isThisPlatform(arg));
  const localElectron = crossPlatform ? [] : [`-c.electronDist=${join(electronPackageDir(), 'dist')}`];
  const packed = await runInherited(process.execPath, [builderCli, '--publish', 'never', ...localElectron, ...builderArgs]);
  if (packed !== 0) return packed;

  const outDir = join(projectRoot, 'dist');
  for (const { name, bytes } of artifacts(outDir)) say(`built ${join(outDir, name)} (${(bytes / 1e6).toFixed(0)} MB)`);
  say('node_modules now holds better-sqlite3 built for Electron; npm test rebuilds it for Node by itself (npm run rebuild:node).');
  return 0;
}

function isThisPlatform(flag) {
  const platformOf = { m: 'darwin', mac: 'darwin', macos: 'darwin', w: 'win32', win: 'win32', windows: 'win32', l: 'linux', linux: 'linux' };
  return platformOf[flag.replace(/^--/, '')] === process.platform;
}

process.exitCode = await main();

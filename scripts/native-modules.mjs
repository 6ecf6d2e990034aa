// Native modules built for the runtime that loads them. better-sqlite3 is compiled against one Node ABI, and the
// system Node (tests, CLI, `npm run serve`) and Electron (the desktop shell) have different ones; sharp and
// webgpu use Node-API, whose one build serves both. Each runtime's entry point checks, and rebuilds on a
// mismatch: `npm start` and `npm run rebuild:electron` for Electron, `npm test`'s pretest for Node.
import { spawnSync } from 'node:child_process';
import { packageBin, projectRoot, runInherited } from './child.mjs';
import { electronBinaryPath } from './electron-binary.mjs';

export const abiSpecificModules = ['better-sqlite3'];

// Opens the addons the way the engine does (better-sqlite3 loads its binary on first use).
const probe = `const Database = require('better-sqlite3'); new Database(':memory:').close(); require('sharp');`;

/** Why the native modules do not load under this executable (Node, or Electron run as Node), or null if they do. */
export function nativeLoadProblem(executable) {
  const result = spawnSync(executable, ['-e', probe], {
    cwd: projectRoot,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status === 0) return null;
  const message = `${result.stderr ?? ''}${result.error?.message ?? ''}`;
  const line = message.split('\n').find((text) => /NODE_MODULE_VERSION|Error|error/.test(text)) ?? message.trim().split('\n')[0];
  return line?.trim() || `exit code ${result.status}`;
}

function say(line) {
  console.log(`simclr-studio: ${line}`);
}

/** npm's own CLI, run with this Node when npm started us; plain `npm` otherwise. */
function npmCommand(args) {
  const npmCli = process.env.npm_execpath;
  return npmCli ? [process.execPath, [npmCli, ...args]] : [process.platform === 'win32' ? 'npm.cmd' : 'npm', args];
}

/**
 * Makes the native modules load under the runtime, rebuilding them when they do not; resolves to an exit code.
 * Without the Electron binary there is no Electron ABI to build for: one line says so, and nothing fails.
 */
export async function ensureNativeModulesFor(runtime) {
  const executable = runtime === 'electron' ? electronBinaryPath() : process.execPath;
  if (!executable) {
    say('no Electron binary here, so native modules stay built for Node; nothing to rebuild for the desktop shell.');
    return 0;
  }
  const problem = nativeLoadProblem(executable);
  if (!problem) return 0;
  say(`native modules do not load under ${runtime === 'electron' ? 'Electron' : `Node ${process.version}`} (${problem}); rebuilding ${abiSpecificModules.join(', ')} for it.`);
  let code;
  if (runtime === 'electron') {
    const cli = packageBin('electron-builder', 'install-app-deps');
    if (!cli) {
      say('electron-builder is not installed (`npm install` with dev dependencies), so it cannot rebuild for Electron.');
      return 1;
    }
    code = await runInherited(process.execPath, [cli]);
  } else {
    const [command, args] = npmCommand(['rebuild', ...abiSpecificModules]);
    code = await runInherited(command, args);
  }
  const after = code === 0 ? nativeLoadProblem(executable) : `the rebuild exited with ${code}`;
  if (after) {
    say(`the rebuild did not help: ${after}`);
    return 1;
  }
  say(`native modules rebuilt for ${runtime === 'electron' ? 'Electron' : 'Node'}.`);
  return 0;
}

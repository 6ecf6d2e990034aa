// Where the Chromium for the tests is, and how a machine without one gets one. Shared by `npm test`'s pretest
// step (ensure-chromium.mjs) and playwright.config.ts, so that "found" means the same thing to both.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Variables a user may set to a Chromium or Chrome executable, the first set one wins. */
export const chromiumPathVariables = ['CHROMIUM_PATH', 'PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH', 'CHROME_PATH'];

const systemChromiums = {
  linux: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium'],
  darwin: ['/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'],
  win32: ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe'],
};

/**
 * Debian's packages the tests use: the browser, the Vulkan loader through which WebGPU reaches its SwiftShader,
 * Python's onnx, Pillow and numpy, with which the export tests run onnx.checker and an export's predict.py, and
 * PyTorch, with which the cluster-job tests run the job's trainer under torchrun.
 */
export const debianTestPackages = ['chromium', 'libvulkan1', 'fonts-dejavu-core', 'python3-onnx', 'python3-pil', 'python3-numpy', 'python3-torch'];

/**
 * How the tests (and bench:map) start Chromium on a machine without a display or a GPU: WebGL, which the map
 * draws with, comes from SwiftShader, the software renderer.
 */
export const chromiumLaunchArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The one sentence a machine that cannot get a Chromium by itself is told. */
export const noChromiumSentence =
  'No Chromium for the end-to-end tests: run `sudo apt-get install -y chromium libvulkan1` (Debian/Ubuntu) or `npx playwright install chromium`, or set CHROMIUM_PATH to a Chromium or Chrome executable.';

/** Where Playwright keeps its own Chromium build (it may not be downloaded); null without Playwright. */
export function playwrightChromiumPath() {
  try {
    const { chromium } = createRequire(import.meta.url)('playwright-core');
    return chromium.executablePath();
  } catch {
    return null;
  }
}

/** The first of chromiumPathVariables that is set, as { name, path }, or null. */
export function namedChromium(env = process.env) {
  const name = chromiumPathVariables.find((variable) => env[variable]);
  return name ? { name, path: env[name] } : null;
}

/**
 * The Chromium the tests drive: a path from the environment, else Playwright's own browser, else the system's.
 * A variable that names a missing file is not silently passed over: it is what the user asked for.
 * @returns {{ path: string, source: string } | null}
 */
export function findChromium({ env = process.env, platform = process.platform, exists = existsSync, playwrightPath = playwrightChromiumPath } = {}) {
  const named = namedChromium(env);
  if (named) return exists(named.path) ? { path: named.path, source: named.name } : null;
  const own = playwrightPath();
  if (own && exists(own)) return { path: own, source: "Playwright's browser" };
  const system = (systemChromiums[platform] ?? []).find((path) => exists(path));
  return system ? { path: system, source: 'the system' } : null;
}

/**
 * How this machine can get what the tests need, or null when it cannot by itself. Root on Debian/Ubuntu uses
 * apt (Playwright's download may be unreachable, and Debian's chromium ships the SwiftShader the WebGPU tests
 * use); anyone else uses Playwright's installer, which downloads its own build.
 * @param {{ platform: string, isRoot: boolean, hasApt: boolean, needBrowser: boolean, missingPackages: string[] }} machine
 * @returns {{ tool: 'apt-get' | 'playwright', packages: string[] } | null}
 */
export function installPlan({ platform, isRoot, hasApt, needBrowser, missingPackages }) {
  if (platform === 'linux' && isRoot && hasApt && missingPackages.length > 0) return { tool: 'apt-get', packages: missingPackages };
  if (needBrowser) return { tool: 'playwright', packages: ['chromium'] };
  return null;
}

/** Debian's test packages that are not installed (empty off Debian, where dpkg-query is absent). */
export function missingDebianPackages() {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...debianTestPackages], { encoding: 'utf8' });
  if (query.error) return [];
  const installed = new Set(
    query.stdout
      .split('\n')
      .filter((line) => line.endsWith(' installed'))
      .map((line) => line.split(' ')[0]),
  );
  return debianTestPackages.filter((name) => !installed.has(name));
}

export function isDebianLike() {
  try {
    return existsSync('/etc/debian_version') || /ID(_LIKE)?=.*(debian|ubuntu)/.test(readFileSync('/etc/os-release', 'utf8'));
  } catch {
    return false;
  }
}

/** Runs a command with its output kept in a log file (apt and Playwright print pages); ok on success. */
function runLogged(command, args, env = process.env) {
  const run = spawnSync(command, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 15 * 60_000 });
  const log = join(mkdtempSync(join(tmpdir(), 'simclr-browser-')), 'install.log');
  writeFileSync(log, `$ ${command} ${args.join(' ')}\n${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? String(run.error) : ''}`);
  return { ok: run.status === 0, log };
}

/** Carries out an install plan; resolves to { ok, log } with the installer's output in the log file. */
export function runInstallPlan(plan) {
  if (plan.tool === 'playwright') return runLogged(process.execPath, [createRequire(import.meta.url).resolve('playwright-core/cli.js'), 'install', 'chromium']);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // A fresh machine's package lists may be empty, so an update comes first.
  const update = runLogged('apt-get', ['update', '-q'], env);
  return update.ok ? runLogged('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...plan.packages], env) : update;
}

/** This machine, as installPlan needs it. */
export function describeMachine(needBrowser) {
  return {
    platform: process.platform,
    isRoot: process.getuid?.() === 0,
    hasApt: process.platform === 'linux' && isDebianLike() && spawnSync('apt-get', ['--version']).status === 0,
    needBrowser,
    missingPackages: process.platform === 'linux' ? missingDebianPackages() : [],
  };
}

/**
 * npm test's first step: makes sure the tests have a Chromium (and, on Debian, the Vulkan loader for the WebGPU
 * tests), installing it as this machine allows, and says in one line what it did; silent when all is there.
 * Returns the exit code: 1 with one sentence naming the command to run when it could not.
 */
export function ensureChromium({ env = process.env, find = () => findChromium({ env }), machine = describeMachine, install = runInstallPlan, out = console.log, err = console.error } = {}) {
  const named = namedChromium(env);
  if (named && !find()) {
    err(`simclr-studio: ${named.name} names ${named.path}, which does not exist: point it at a Chromium or Chrome executable, or unset it.`);
    return 1;
  }
  const plan = installPlan(machine(find() === null));
  if (!plan) {
    if (find()) return 0;
    err(`simclr-studio: ${noChromiumSentence}`);
    return 1;
  }
  const outcome = install(plan);
  const found = find();
  if (!outcome.ok || !found) {
    err(`simclr-studio: ${plan.tool} could not install ${plan.packages.join(', ')} (its output: ${outcome.log}). ${noChromiumSentence}`);
    return 1;
  }
  out(`simclr-studio: installed ${plan.packages.join(', ')} with ${plan.tool} for the tests; the browser is ${found.path}.`);
  return 0;
}

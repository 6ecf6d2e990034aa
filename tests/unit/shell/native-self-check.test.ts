/**
 * The desktop shell's start-up self-check, on real load failures: better-sqlite3 copied without its addon,
 * and with a damaged one; the ABI mismatch Electron reports for an addon built for the system Node is Node's
 * own message, which cannot be produced here without a second Node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { checkNativeModules, diagnoseLoadFailure, failureKind, requiredNativeModules } from '../../../src/main/shell/native-modules';
import { problemPage } from '../../../src/main/shell/problem-page';
import { tempDir } from '../../helpers/images';
import { projectRoot } from '../../helpers/packaging';

const sqlite = requiredNativeModules.filter((module) => module.name === 'better-sqlite3');
const dev = { packaged: false };
const versions = { app: '0.1.0', electron: '40.10.2', node: '22.20.0', platform: 'linux-x64' };

/** A folder whose node_modules holds better-sqlite3 (and what it requires) with its addon removed or replaced. */
function betterSqliteWith(addon: Buffer | null): NodeJS.Require {
  const root = tempDir('simclr-self-check-');
  for (const name of ['better-sqlite3', 'bindings', 'file-uri-to-path']) {
    cpSync(join(projectRoot, 'node_modules', name), join(root, 'node_modules', name), {
      recursive: true,
      filter: (source) => !source.endsWith('.node') && !source.includes(`${name}/deps`) && !source.includes(`${name}/src`),
    });
  }
  if (addon) {
    mkdirSync(join(root, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
    writeFileSync(join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'), addon);
  }
  return createRequire(join(root, 'index.js'));
}

test('the modules the engine needs load here, so the check finds nothing', () => {
  assert.deepEqual(checkNativeModules(dev), []);
});

test('an addon that is not installed is named, with `npm install` as the fix', () => {
  const [problem, ...rest] = checkNativeModules(dev, sqlite, betterSqliteWith(null));
  assert.equal(rest.length, 0);
  assert.equal(problem!.module, 'better-sqlite3');
  assert.equal(problem!.kind, 'missing');
  assert.match(problem!.summary, /^better-sqlite3 \(the project database\) could not be loaded: its files are not installed\.$/);
  assert.match(problem!.detail, /Could not locate the bindings file/);
  assert.equal(problem!.fix, 'npm install');
});

test('a damaged addon is told apart from a missing one, and an installed app asks for a reinstall', () => {
  const [problem] = checkNativeModules({ packaged: true }, sqlite, betterSqliteWith(Buffer.from('not an ELF file at all, just text')));
  assert.equal(problem!.kind, 'architecture');
  assert.match(problem!.summary, /another operating system or processor, or is damaged/);
  assert.match(problem!.fix, /^Part of this installation is missing or damaged\. Reinstall SimCLR Studio/);
});

test("an addon built for the system Node says which ABIs disagree and that `npm run rebuild:electron` fixes it", () => {
  // Node's wording (src/node_binding.cc), as Electron shows it for better-sqlite3 compiled by `npm install`.
  const error = new Error(
    "The module '/home/ada/simclr-studio/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
      'was compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\n' +
      'NODE_MODULE_VERSION 143. Please try re-compiling or re-installing\nthe module (for instance, using `npm rebuild` or `npm install`).',
  );
  const problem = diagnoseLoadFailure(sqlite[0]!, error, dev);
  assert.equal(problem.kind, 'abi');
  assert.equal(
    problem.summary,
    'better-sqlite3 (the project database) could not be loaded: it was compiled for a different Node.js (module version 115), but this Electron needs module version 143.',
  );
  assert.equal(problem.fix, 'npm run rebuild:electron');
  assert.equal(problem.detail.split('\n').length, 4, 'the detail keeps the first lines');
  assert.match(diagnoseLoadFailure(sqlite[0]!, error, { packaged: true }).fix, /built without rebuilding its native modules/);
  // Anything else, in a checkout: reinstall and rebuild; a broken library or binary: rebuild that module.
  assert.equal(diagnoseLoadFailure({ name: 'The engine', purpose: 'projects and jobs' }, new Error('boom'), dev).fix, 'npm install && npm run build');
  assert.equal(diagnoseLoadFailure(sqlite[0]!, new Error('invalid ELF header'), dev).fix, 'npm rebuild better-sqlite3 && npm run rebuild:electron');
});

test("other loaders' wordings fall into the kinds the fixes are written for", () => {
  assert.equal(failureKind('libvips-cpp.so.8.17.3: cannot open shared object file: No such file or directory'), 'library');
  assert.equal(failureKind("dlopen(x.node, 0x0001): tried: 'x.node' (mach-o file, but is an incompatible architecture (have 'x86_64', need 'arm64'))"), 'architecture');
  assert.equal(failureKind('\\\\?\\C:\\app\\better_sqlite3.node is not a valid Win32 application.'), 'architecture');
  assert.equal(failureKind("Cannot find module 'sharp'"), 'missing');
  assert.equal(failureKind('something else entirely'), 'other');
});

test('the page shown instead of the app names each failure, its fix as a command to copy, and escapes what the loader said', () => {
  const missing = checkNativeModules(dev, sqlite, betterSqliteWith(null))[0]!;
  const hostile = { ...missing, detail: '<script>alert(1)</script>' };
  const page = problemPage([hostile], versions);
  assert.match(page, /<h1>A part of SimCLR Studio did not load<\/h1>/);
  assert.match(page, /<h2>better-sqlite3<\/h2>/);
  assert.match(page, /<pre class="command">npm install<\/pre>/);
  assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;') && !page.includes('<script>'), 'loader text is escaped');
  assert.match(page, /Content-Security-Policy" content="default-src 'none'/);
  assert.match(page, /SimCLR Studio 0\.1\.0 · Electron 40\.10\.2 · Node 22\.20\.0 · linux-x64/);

  const advice = problemPage([diagnoseLoadFailure(sqlite[0]!, new Error('bad'), { packaged: true }), missing], versions);
  assert.match(advice, /<h1>2 parts of SimCLR Studio did not load<\/h1>/);
  assert.match(advice, /<p>Part of this installation is missing or damaged\./, 'advice is prose, not a command block');
});

/**
 * The engine as the installed desktop app runs it. electron-builder packs the app for real (the Linux `dir`
 * target, which the AppImage and deb wrap, with a stand-in for the Electron binary), and the test reads its
 * app.asar: every native addon and wasm binary must be marked unpacked. The archive, extracted with its unpacked
 * files merged back as Electron presents them, then runs in a fresh Node with nothing of the checkout reachable:
 * it imports a folder, pretrains in the worker process started from out/main/worker.js (the file the shell's
 * utilityProcess runs) and embeds. A runtime import that resolves only in the checkout, a dependency packaged as
 * a devDependency, or a file the `files` rules drop, fails here.
 */
import { test, expect } from '@playwright/test';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { generateSampleFolder } from '../../src/main/engine/sample/generate-sample';
import { extractAll, listPackage } from '@electron/asar';
import { packLinuxDir } from '../helpers/packaging';

const run = promisify(execFile);

/** The packages out/main imports or requires, dynamic imports included (the GPU backends load only on a GPU). */
function bareImportsOfBuild(): string[] {
  const specifiers = readdirSync('out/main')
    .filter((file) => file.endsWith('.js'))
    .flatMap((file) => ts.preProcessFile(readFileSync(join('out/main', file), 'utf8'), true, true).importedFiles.map((imported) => imported.fileName));
  // Electron provides 'electron' itself; node: modules are built in.
  return [...new Set(specifiers.filter((name) => !/^(\.|node:|electron$)/.test(name)))].sort();
}

// Runs inside the staged app: everything it imports resolves from there.
const driver = `
import { createRequire } from 'node:module';
import { Engine } from './out/main/engine.js';
const [images, project, specifiers] = process.argv.slice(2);
const unresolved = JSON.parse(specifiers).filter((specifier) => {
  try {
    return !import.meta.resolve(specifier).startsWith('file:');
  } catch {
    return true;
  }
});
const engine = new Engine();
const finished = async (job) => engine.waitForJob((await job).id);
await engine.openProject({ dir: project });
const imported = await finished(engine.importFolder({ folder: images, labelsFromSubfolders: true }));
const pretrained = await finished(engine.startPretrain({ encoder: 'resnet-tiny', epochs: 1, batchSize: 8, imageSize: 16, resume: false, seed: 1 }));
const embedded = await finished(engine.startEmbed({ neighbors: 5 }));
const status = await engine.status();
const map = await engine.getMap();
engine.close();
const resolvedFrom = Object.fromEntries(['better-sqlite3', 'sharp', '@tensorflow/tfjs-backend-wasm'].map((name) => [name, createRequire(import.meta.url).resolve(name)]));
console.log(JSON.stringify({ unresolved, imported: imported.state, pretrained: pretrained.state, pretrainError: pretrained.error, embedded: embedded.state, backend: status.backend, images: status.images, embeddings: status.embeddings, mapPoints: map.length, resolvedFrom }));
`;

test('electron-builder packs the app with its binaries unpacked, and the engine runs from the package', async () => {
  test.setTimeout(300_000);
  expect(existsSync('out/main/engine.js'), 'npm run build has run').toBe(true);
  const work = mkdtempSync(join(tmpdir(), 'simclr-packaged-'));
  // Node looks for node_modules in every folder above the app; none may hold one, or the test proves nothing.
  for (let folder = work; folder !== parse(folder).root; folder = dirname(folder)) {
    expect(existsSync(join(dirname(folder), 'node_modules')), `${dirname(folder)}/node_modules exists`).toBe(false);
  }
  const resources = await packLinuxDir(work);
  const archive = join(resources, 'app.asar');
  const entries = listPackage(archive, { isPack: true }).map((line) => {
    const [mode, path] = line.split(' : ');
    return { unpacked: mode!.trim() === 'unpack', path: path!.replace(/^\//, '') };
  });
  const paths = new Set(entries.map((entry) => entry.path));
  for (const needed of ['package.json', 'out/main/index.js', 'out/main/worker.js', 'out/preload/index.cjs', 'out/renderer/index.html', 'resources/icon.png', 'resources/cluster/train.py', 'resources/cluster/simclr_job/model.py']) {
    expect(paths.has(needed), `${needed} is packed`).toBe(true);
  }
  const binaries = entries.filter((entry) => /\.(node|wasm|dylib|dll)$|\.so(\.\d+)*$/.test(entry.path));
  expect(binaries.map((entry) => entry.path.split('/').at(-1))).toEqual(expect.arrayContaining(['better_sqlite3.node', 'dawn.node', 'tfjs-backend-wasm.wasm']));
  expect(binaries.filter((entry) => !entry.unpacked).map((entry) => entry.path), 'binaries left inside app.asar').toEqual([]);
  for (const left of ['src', 'tests', 'node_modules/electron', 'node_modules/vite', 'node_modules/onnxruntime-node', 'node_modules/tsx', 'node_modules/webgpu/dist/win32-x64']) {
    expect([...paths].some((path) => path === left || path.startsWith(`${left}/`)), `${left} is not packed`).toBe(false);
  }
  expect([...paths].filter((path) => path.endsWith('.map'))).toEqual([]);

  const app = join(work, 'app');
  extractAll(archive, app);

  const specifiers = bareImportsOfBuild();
  expect(specifiers).toEqual(expect.arrayContaining(['better-sqlite3', 'sharp', 'webgpu', '@tensorflow/tfjs-backend-wasm']));

  await generateSampleFolder(join(work, 'images'), { perClass: 6, size: 24, seed: 3 });
  writeFileSync(join(app, 'drive.mjs'), driver);
  const { stdout } = await run(process.execPath, ['drive.mjs', join(work, 'images'), join(work, 'project'), JSON.stringify(specifiers)], {
    cwd: app,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SIMCLR_BACKEND: 'wasm' },
    timeout: 240_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown> & { resolvedFrom: Record<string, string> };
  expect(result).toMatchObject({ unresolved: [], imported: 'done', pretrained: 'done', embedded: 'done', backend: 'wasm', images: 24, embeddings: 24, mapPoints: 24 });
  for (const [name, path] of Object.entries(result.resolvedFrom)) expect(path.startsWith(join(app, 'node_modules')), `${name} from ${path}`).toBe(true);
  expect(readFileSync(join(app, 'package.json'), 'utf8')).toContain('"main": "./out/main/index.js"');
  rmSync(work, { recursive: true, force: true });
});

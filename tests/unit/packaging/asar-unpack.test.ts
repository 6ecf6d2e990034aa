/**
 * Every native addon, shared library and wasm binary the installed app can load must sit outside app.asar:
 * Electron cannot dlopen from inside an archive. Checked with electron-builder's own dependency collector and
 * asarUnpack matcher over the files it would package.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename, relative } from 'node:path';
import { asarUnpackFilter, filesOf, loadBuilderConfig, packagedModuleDirs, projectRoot } from '../../helpers/packaging';

const loadableBinary = /\.(node|wasm|dylib|dll)$|\.so(\.\d+)*$/;

test('every .node, .wasm and shared library in a packaged dependency is unpacked from the asar archive', async () => {
  const config = await loadBuilderConfig();
  const unpacked = asarUnpackFilter(config);
  const moduleDirs = await packagedModuleDirs();
  const binaries = moduleDirs.flatMap((dir) => filesOf(dir)).filter((file) => loadableBinary.test(file));

  // The walk must find what the engine really loads, or it could pass by finding nothing.
  const names = binaries.map((file) => basename(file));
  for (const expected of ['better_sqlite3.node', 'tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'dawn.node']) {
    assert.ok(names.includes(expected), `${expected} is among the packaged binaries`);
  }
  assert.ok(names.some((name) => /^sharp-.*\.node$/.test(name)), "sharp's addon is among them");
  assert.ok(names.some((name) => /^libvips-cpp\./.test(name)), "and the libvips library it links");

  const packed = binaries.filter((file) => !unpacked(file)).map((file) => relative(projectRoot, file));
  assert.deepEqual(packed, [], 'binaries that asarUnpack in electron-builder.yml leaves inside app.asar');
});

test('the packaged dependencies are the production ones: test and build tools stay out of the installer', async () => {
  const packaged = new Set((await packagedModuleDirs()).map((dir) => relative(projectRoot, dir)));
  for (const name of ['better-sqlite3', 'sharp', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'webgpu', 'zod']) {
    assert.ok(packaged.has(`node_modules/${name}`), `${name} is packaged`);
  }
  for (const name of ['electron', 'electron-builder', 'onnxruntime-node', '@playwright/test', 'svelte', 'vite']) {
    assert.ok(!packaged.has(`node_modules/${name}`), `${name} is not packaged`);
  }
});

test('the unpack rules match by path, not by everything: the engine bundle stays inside the archive', async () => {
  const config = await loadBuilderConfig();
  const unpacked = asarUnpackFilter(config);
  assert.equal(unpacked(`${projectRoot}/package.json`), false);
  assert.equal(unpacked(`${projectRoot}/node_modules/zod/package.json`), false);
  assert.equal(unpacked(`${projectRoot}/node_modules/better-sqlite3/package.json`), true);
  // Without its rule, Dawn's addon would be packed: the check above would name it.
  const withoutWebgpu = asarUnpackFilter({ ...config, asarUnpack: config.asarUnpack!.filter((pattern) => !pattern.includes('webgpu')) });
  assert.equal(withoutWebgpu(`${projectRoot}/node_modules/webgpu/dist/linux-x64/dawn.node`), false);
});

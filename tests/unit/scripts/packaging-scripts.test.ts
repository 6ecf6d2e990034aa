/**
 * `npm run dist` and the native rebuilds on a machine without the Electron binary (this one, CI): one clear
 * line and exit 0, never a failure. With the binary they run electron-builder, which needs a download here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { electronBinaryPath } from '../../../scripts/electron-binary.mjs';
import { nativeLoadProblem } from '../../../scripts/native-modules.mjs';

const noBinary = electronBinaryPath() === null;
const runScript = (...args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8' });

test('npm run dist without the Electron binary prints one line saying why and how, and exits 0', { skip: !noBinary && 'the Electron binary is installed' }, () => {
  const run = runScript('scripts/dist.mjs');
  assert.equal(run.status, 0);
  assert.deepEqual(run.stdout.trim().split('\n'), [
    'simclr-studio: no installers built: the Electron binary they pack is not installed (its download was unavailable at npm install); on a machine with internet, run npm install and then npm run dist.',
  ]);
  assert.equal(run.stderr, '');
});

test('rebuilding for Electron without its binary is skipped with one line', { skip: !noBinary && 'the Electron binary is installed' }, () => {
  const run = runScript('scripts/rebuild-native.mjs', 'electron');
  assert.equal(run.status, 0);
  assert.equal(run.stdout.trim().split('\n').length, 1);
  assert.match(run.stdout, /no Electron binary here, so native modules stay built for Node/);
});

test('for this Node the native modules already load, so nothing is rebuilt or said', () => {
  assert.equal(nativeLoadProblem(process.execPath), null);
  const run = runScript('scripts/rebuild-native.mjs', 'node');
  assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', '']);
});

test('a runtime that cannot load them is reported, as is a wrong argument', () => {
  assert.match(nativeLoadProblem('/nonexistent/electron') ?? '', /ENOENT/);
  const run = runScript('scripts/rebuild-native.mjs', 'jvm');
  assert.equal(run.status, 2);
  assert.match(run.stderr, /usage: node scripts\/rebuild-native\.mjs electron\|node/);
});

/**
 * A GPU probe that finds nothing is silent unless a GPU was asked for, and then says in one line what is
 * missing and how to get it. No Vulkan driver is made certain by pointing the loader at a driver list that
 * does not exist, so these hold on a machine with a GPU too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateSampleFolder } from '../../../src/main/engine/sample/generate-sample';
import { missingGpuReason, probeGpuAdapter } from '../../../src/main/engine/ml/backends/webgpu/adapter';
import { tempDir } from '../../helpers/images';

const run = promisify(execFile);
const noDriver = { VK_ICD_FILENAMES: join(tempDir('simclr-no-icd-'), 'none.json') };

test('the reason names what is missing: Dawn itself, the Vulkan loader, or a driver', () => {
  assert.match(missingGpuReason(false, ''), /webgpu package's Dawn module does not load/);
  assert.match(missingGpuReason(true, "Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file"), /install libvulkan1/);
  assert.match(missingGpuReason(true, 'Warning: vkCreateInstance: Found no drivers!'), /no Vulkan driver answered: install your GPU vendor's Vulkan driver/);
});

test('a probe without a Vulkan driver finds no adapter and says which driver to install', async () => {
  const saved = process.env.VK_ICD_FILENAMES;
  process.env.VK_ICD_FILENAMES = noDriver.VK_ICD_FILENAMES;
  try {
    const probe = await probeGpuAdapter();
    assert.equal(probe.adapter, null);
    assert.match(probe.missing ?? '', /^no Vulkan driver answered/);
  } finally {
    if (saved === undefined) delete process.env.VK_ICD_FILENAMES;
    else process.env.VK_ICD_FILENAMES = saved;
  }
});

test('pretraining on no GPU prints no Vulkan or Dawn noise; forcing WebGPU says in one line what is missing', { timeout: 180_000 }, async () => {
  const work = tempDir('simclr-quiet-');
  await generateSampleFolder(join(work, 'images'), { perClass: 4, size: 16, seed: 2 });
  const project = join(work, 'project');
  const env = { ...process.env, ...noDriver, SIMCLR_BACKEND: '' };
  const cli = (...args: string[]) => run(process.execPath, ['bin/simclr-studio.mjs', ...args, '--project', project, '--json'], { env });
  await cli('import', join(work, 'images'));

  const quiet = await cli('pretrain', '--encoder', 'resnet-tiny', '--image-size', '16', '--batch', '8', '--epochs', '1');
  const chatter = quiet.stderr.split('\n').filter((line) => line && !/^pretrain:/.test(line));
  assert.deepEqual(chatter, [], 'nothing but progress on stderr');
  assert.notEqual(JSON.parse(quiet.stdout.trim().split('\n').at(-1)!).backend, 'webgpu');

  const forced = await cli('pretrain', '--backend', 'webgpu', '--epochs', '1').then(
    () => assert.fail('forcing WebGPU without a driver must fail'),
    (error: { stderr: string }) => error.stderr,
  );
  const lines = forced.split('\n').filter((line) => line && !/^pretrain:/.test(line));
  assert.equal(lines.length, 1, forced);
  assert.match(lines[0], /webgpu.*no Vulkan driver answered: install your GPU vendor's Vulkan driver/);
});

/** `simclr-studio job export` and `job import` as a user types them, with what they print and what they refuse. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateSampleFolder } from '../../../src/main/engine/sample/generate-sample';
import { tempDir } from '../../helpers/images';

const run = promisify(execFile);
const work = tempDir('simclr-cluster-cli-');
const project = join(work, 'project');

function cli(...args: string[]) {
  return run(process.execPath, ['bin/simclr-studio.mjs', ...args, '--project', project], { env: { ...process.env, SIMCLR_BACKEND: 'wasm' } });
}

test('job export writes the job with the flags given and prints how to train and import it; job import brings an encoder in', { timeout: 180_000 }, async () => {
  await generateSampleFolder(join(work, 'images'), { perClass: 4, size: 24, seed: 8 });
  await cli('import', join(work, 'images'));
  const jobDir = join(work, 'job');
  const { stdout } = await cli('job', 'export', '--out', jobDir, '--encoder', 'resnet-tiny', '--image-size', '16', '--batch', '8', '--epochs', '3', '--temperature', '0.3');
  assert.match(stdout, /Wrote the pretraining job for 16 images \(1 shard, resnet-tiny at 16 px, batch 8, 3 epochs\)/);
  assert.match(stdout, /torchrun --nproc_per_node=N train\.py/);
  assert.ok(stdout.includes(`simclr-studio job import ${join(jobDir, 'run', 'encoder.safetensors')}`));
  const job = JSON.parse(readFileSync(join(jobDir, 'job.json'), 'utf8'));
  assert.deepEqual([job.config.options.temperature, job.config.options.epochs], [0.3, 3]);

  const imported = await cli('job', 'import', join(jobDir, 'init.safetensors'), '--json');
  const result = JSON.parse(imported.stdout.trim().split('\n').at(-1)!);
  assert.deepEqual([result.encoder, result.imageSize, result.step], ['resnet-tiny', 16, 0]);
  assert.ok(existsSync(join(project, 'models', 'pretrain', 'encoder', 'model.json')));

  await assert.rejects(cli('job', 'export', '--out', jobDir), (error: { stderr: string }) => /holds files|exists/.test(error.stderr), 'an existing job folder is not overwritten');
  await assert.rejects(cli('job', 'train'), (error: { stderr: string }) => /job needs export or import/.test(error.stderr));
  await assert.rejects(cli('job', 'import'), (error: { stderr: string }) => /job import needs the trained encoder/.test(error.stderr));
});

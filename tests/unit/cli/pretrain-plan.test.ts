/**
 * Before a run: `pretrain --dry-run` measures a few steps on this machine and says how long the run would
 * take, training and saving nothing. During one: a time budget fits the learning-rate schedule to itself, so
 * the cosine decay has reached (nearly) zero when the budget ends the run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PretrainResult } from '../../../src/shared/contract';
import { generateSampleFolder } from '../../../src/main/engine/sample/generate-sample';
import { tempDir } from '../../helpers/images';

const run = promisify(execFile);
const work = tempDir('simclr-plan-');
const project = join(work, 'project');
const tiny = ['--encoder', 'resnet-tiny', '--image-size', '16', '--batch', '8'];

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['bin/simclr-studio.mjs', ...args, '--project', project], { env: { ...process.env, SIMCLR_BACKEND: 'wasm' } });
}
const json = async <T>(...args: string[]): Promise<T> => JSON.parse((await cli(...args, '--json')).stdout.trim().split('\n').at(-1)!) as T;

test('a dry run estimates the planned run from measured steps, and trains and saves nothing', { timeout: 240_000 }, async () => {
  await generateSampleFolder(join(work, 'images'), { perClass: 6, size: 16, seed: 4 });
  await cli('import', join(work, 'images'));

  // 24 images in batches of 8: 3 steps an epoch, 4 epochs.
  const { estimate, epochs } = await json<PretrainResult>('pretrain', ...tiny, '--epochs', '4', '--dry-run');
  assert.ok(estimate, 'a dry run returns an estimate');
  assert.equal(epochs, 0);
  assert.equal(estimate.stepsPerEpoch, 3);
  assert.equal(estimate.steps, 12);
  assert.equal(estimate.images, 24);
  assert.equal(estimate.endedByBudget, false);
  assert.ok(estimate.measuredSteps >= 3 && estimate.secondsPerStep > 0);
  assert.ok(Math.abs(estimate.seconds - 12 * estimate.secondsPerStep) < 1e-9);
  assert.ok(Math.abs(estimate.imagesPerSecond - 8 / estimate.secondsPerStep) < 1e-6);
  assert.equal(existsSync(join(project, 'models', 'pretrain')), false, 'no checkpoint from a dry run');

  // Where the budget ends the run first, the estimate is the budget, and says so.
  const budgeted = await json<PretrainResult>('pretrain', ...tiny, '--epochs', '10000', '--time-budget', '5', '--dry-run');
  assert.equal(budgeted.estimate?.endedByBudget, true);
  assert.equal(budgeted.estimate?.seconds, 5);
  const sentence = (await cli('pretrain', ...tiny, '--epochs', '4', '--dry-run')).stdout;
  assert.match(sentence, /^About \d+ s of training for 12 steps \(4 epochs\): \d+\.\d\d s a step of 8 images \(.* images\/s\), measured over \d+ steps on this machine's wasm backend with 24 images\.$/m);
});

test('a time budget ends the run with the learning rate decayed to near zero, not mid-warm-up', { timeout: 240_000 }, async () => {
  const result = await json<PretrainResult>('pretrain', ...tiny, '--epochs', '10000', '--time-budget', '6', '--lr', '0.001');
  assert.ok(result.epochs < 10_000, 'the budget, not the epochs, ended it');
  const status = await json<{ runs: { kind: string; state: string; options: { dryRun?: boolean }; metrics: Record<string, number> }[] }>('status');
  const last = status.runs.find((r) => r.kind === 'pretrain' && r.state === 'done' && !r.options.dryRun)!;
  // Without fitting, the schedule would follow the steps trained in 6 s: a few per cent of the 30,000 planned,
  // still in the warm-up, the rate rising.
  assert.ok(last.metrics.step < 0.5 * last.metrics.totalSteps);
  assert.ok(last.metrics.scheduleStep > 0.9 * last.metrics.totalSteps, `schedule at ${last.metrics.scheduleStep} of ${last.metrics.totalSteps}`);
  assert.ok(last.metrics.currentLearningRate < 0.05 * 0.001, `last rate ${last.metrics.currentLearningRate}`);
});

/**
 * A killed pretraining run resumes where its last checkpoint stopped: `pretrain --resume` continues the step
 * count, the schedule and the loss curve, matching a run that was never interrupted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { generateSampleFolder } from '../../../src/main/engine/sample/generate-sample';
import { tempDir } from '../../helpers/images';

const run = promisify(execFile);
const work = tempDir('simclr-resume-');
const sample = join(work, 'sample');
const project = join(work, 'project');
const checkpoint = join(project, 'models', 'pretrain');
const env = { ...process.env, SIMCLR_BACKEND: 'wasm' };
// 40 images in batches of 8: 5 steps an epoch.
const flags = ['--encoder', 'resnet-tiny', '--image-size', '16', '--batch', '8', '--epochs', '12', '--seed', '7'];
const [stepsPerEpoch, epochs] = [5, 12];

async function cli(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, ['bin/simclr-studio.mjs', ...args, '--project', project, '--json'], { env });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(join(checkpoint, file), 'utf8')) as T;
const epochLosses = () => readJson<{ epochLosses: number[] }>('run.json').epochLosses;

test('pretrain killed with SIGKILL after a checkpoint resumes from it and continues the loss curve', { timeout: 300_000 }, async () => {
  await generateSampleFolder(sample, { perClass: 10, size: 32, seed: 3 });
  assert.equal((await cli('import', sample)).imported, 40);

  // Its own process group, so the kill takes the CLI and its training worker down together, as a crash would.
  const child = spawn(process.execPath, ['bin/simclr-studio.mjs', 'pretrain', ...flags, '--project', project, '--json'], { env, detached: true, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  while (!(existsSync(join(checkpoint, 'run.json')) && epochLosses().length >= 2)) await sleep(20);
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
  await sleep(200); // let an in-flight checkpoint swap settle if the kill landed mid-write (it never does harm)
  const killed = readJson<{ step: number; epoch: number }>('state.json');
  const lossesBeforeKill = epochLosses();
  assert.ok(killed.epoch >= 2 && killed.epoch < epochs, `killed at epoch ${killed.epoch}`);
  assert.equal(killed.step, killed.epoch * stepsPerEpoch);
  assert.equal(lossesBeforeKill.length, killed.epoch);

  const resumed = await cli('pretrain', '--resume');
  assert.equal(resumed.epochs, epochs);
  // The checkpoint's options are kept: no flags were given, yet the run is the tiny one, not the cpu preset's.
  assert.deepEqual(
    (({ encoder, imageSize, batchSize, epochs: e, seed }) => ({ encoder, imageSize, batchSize, epochs: e, seed }))(resumed.options as Record<string, unknown>),
    { encoder: 'resnet-tiny', imageSize: 16, batchSize: 8, epochs, seed: 7 },
  );
  const status = await cli('status');
  const lastPretrain = (status.runs as { kind: string; state: string; metrics: Record<string, number> }[]).find((r) => r.kind === 'pretrain' && r.state === 'done')!;
  assert.equal(lastPretrain.metrics.startStep, killed.step, 'started from the checkpoint, not from zero');
  assert.equal(lastPretrain.metrics.step, epochs * stepsPerEpoch);
  const resumedLosses = epochLosses();
  assert.equal(resumedLosses.length, epochs);
  assert.deepEqual(resumedLosses.slice(0, killed.epoch), lossesBeforeKill);

  // The same run without the interruption: the resumed curve matches it epoch for epoch (Adam's restored state
  // is exact up to rounding), whereas a restart would repeat the first epochs' higher losses.
  await cli('pretrain', ...flags);
  const uninterrupted = epochLosses();
  const gaps = uninterrupted.map((l, i) => Math.abs(l - resumedLosses[i]));
  assert.ok(Math.max(...gaps) < 0.02, `resumed ${resumedLosses.map((l) => l.toFixed(3))} vs uninterrupted ${uninterrupted.map((l) => l.toFixed(3))}`);
});

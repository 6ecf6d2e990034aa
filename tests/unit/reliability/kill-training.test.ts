/**
 * `kill -9` of the server (and its worker) mid-pretrain and mid-fine-tune, on a tiny real run: `pretrain --resume`
 * continues from the last checkpoint losing at most one epoch, and after a killed fine-tune the project opens
 * and a fine-tune runs to its end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSampleFolder } from '../../../src/main/engine/sample/generate-sample';
import { tempDir } from '../../helpers/images';
import { cli, startStudio, waitUntil } from '../../helpers/studio-process';

interface Run {
  kind: string;
  state: string;
  metrics: Record<string, number>;
}

test('kill -9 mid-pretrain resumes losing at most one epoch; kill -9 mid-fine-tune leaves a project that fine-tunes again', { timeout: 400_000 }, async () => {
  const work = tempDir('simclr-kill-train-');
  const sample = join(work, 'sample');
  const project = join(work, 'project');
  await generateSampleFolder(sample, { perClass: 8, size: 32, seed: 5 });
  assert.equal((await cli(project, 'import', sample)).code, 0);
  const checkpoint = join(project, 'models', 'pretrain');
  const epochsDone = () => (existsSync(join(checkpoint, 'state.json')) ? (JSON.parse(readFileSync(join(checkpoint, 'state.json'), 'utf8')) as { epoch: number }).epoch : 0);

  const trainer = await startStudio(project);
  await trainer.ok('startPretrain', { encoder: 'resnet-tiny', imageSize: 16, batchSize: 8, epochs: 40, seed: 2 });
  await waitUntil('two epochs are checkpointed', () => epochsDone() >= 2, 200_000);
  const progress = await trainer.ok<{ activeJob: { metrics: { epoch: number } } | null }>('status');
  // Epochs completed when killed, as the job last reported them (or the checkpoint, if that is ahead).
  const epochAtKill = Math.max(progress.activeJob?.metrics.epoch ?? 0, epochsDone());
  await trainer.kill9();
  const kept = epochsDone();
  assert.ok(epochAtKill - kept <= 1, `checkpoint at epoch ${kept}, training was at epoch ${epochAtKill}`);

  const resumed = await cli(project, 'pretrain', '--resume', '--epochs', String(kept + 1));
  assert.equal(resumed.code, 0, resumed.stderr);
  const runs = (await cli(project, 'status')).json!.runs as Run[];
  const done = runs.find((r) => r.kind === 'pretrain' && r.state === 'done')!;
  assert.equal(done.metrics.startStep, kept * 4, 'resumed from the checkpoint (4 steps an epoch), not from zero');
  assert.ok(runs.some((r) => r.kind === 'pretrain' && r.state === 'cancelled'), 'the killed run is marked interrupted');

  const labeller = await startStudio(project);
  const images = (await labeller.ok<{ items: { id: number; relPath: string }[] }>('listImages', { limit: 100 })).items;
  const classes = new Map<string, number>();
  for (const image of images.filter((_, i) => i % 2 === 0)) {
    const name = image.relPath.split('/')[0];
    if (!classes.has(name)) classes.set(name, (await labeller.ok<{ id: number }>('createClass', { name })).id);
    await labeller.ok('setLabels', { imageIds: [image.id], classId: classes.get(name) });
  }
  const labelled = (await labeller.ok<{ labelled: number }>('status')).labelled;
  await labeller.ok('startFinetune', { epochs: 500 });
  await waitUntil('fine-tuning trains', async () => (await labeller.ok<{ activeJob: { phase: string } | null }>('status')).activeJob?.phase === 'training', 120_000);
  await labeller.kill9();

  const reopened = await cli(project, 'status');
  assert.equal(reopened.code, 0, reopened.stderr);
  assert.equal(reopened.json!.labelled, labelled, 'no label lost');
  const again = await cli(project, 'finetune', '--epochs', '2');
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.json!.labelled, labelled);
  console.log(`kill -9 mid-pretrain at epoch ${epochAtKill}: resumed from epoch ${kept} (${epochAtKill - kept} lost); kill -9 mid-fine-tune: ${labelled} labels, 0 lost, re-run done`);
});

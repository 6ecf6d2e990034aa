/** A kill between removing the old checkpoint and renaming the new one leaves `<dir>.next`: adopted when complete. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointFiles, finishInterruptedSwap, nextCheckpointDir } from '../../../src/main/engine/ml/files/checkpoint-layout';
import { tempDir } from '../../helpers/images';

function halfSwapped(lastFile: string | null): string {
  const dir = join(tempDir('simclr-swap-'), 'pretrain');
  mkdirSync(join(nextCheckpointDir(dir), 'encoder'), { recursive: true });
  writeFileSync(join(nextCheckpointDir(dir), 'encoder', 'model.json'), '{}');
  if (lastFile) writeFileSync(join(nextCheckpointDir(dir), lastFile), '{}');
  return dir;
}

test("a training checkpoint's folder is adopted once its run.json, the last file written, is there", async () => {
  const dir = halfSwapped(checkpointFiles.run);
  await finishInterruptedSwap(dir);
  assert.ok(existsSync(join(dir, 'encoder', 'model.json')) && !existsSync(nextCheckpointDir(dir)));
});

test("an imported encoder's folder is adopted once its imported-from.json is there", async () => {
  const dir = halfSwapped(checkpointFiles.importedFrom);
  await finishInterruptedSwap(dir);
  assert.ok(existsSync(join(dir, 'encoder', 'model.json')));
});

test('a folder cut off before its last file is not taken for a checkpoint', async () => {
  const dir = halfSwapped(null);
  await finishInterruptedSwap(dir);
  assert.ok(!existsSync(dir) && existsSync(nextCheckpointDir(dir)));
});

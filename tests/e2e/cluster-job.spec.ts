/**
 * The Pretrain page's cluster card, as a user drives it: the form's settings written as a PyTorch job, the
 * command to train it shown, and an encoder file brought back as the project's encoder (here the job's own
 * starting weights, which is what the trainer's encoder.safetensors looks like before its first step).
 */
import { test, expect } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startImportedSampleServer, type StudioServer } from './studio-server';

let server: StudioServer;
let work: string;

test.beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'simclr-cluster-ui-'));
  ({ server } = await startImportedSampleServer(work, { perClass: 8, size: 24, seed: 2 }));
});

test.afterAll(() => {
  server?.process.kill('SIGTERM');
});

test('the cluster card writes the form’s run as a PyTorch job, shows how to train it, and imports an encoder', async ({ page }) => {
  await page.goto(server.openUrl);
  await page.getByTestId('nav-pretrain').click();
  await page.getByTestId('pretrain-encoder').selectOption('resnet-tiny');
  await page.getByTestId('pretrain-batch').fill('16');
  await page.getByTestId('pretrain-image-size').fill('16');
  await page.getByTestId('pretrain-epochs').fill('40');

  const card = page.getByTestId('cluster-job');
  await card.locator('summary').click();
  await expect(card.getByTestId('cluster-from').locator('option[value="project"]')).toBeDisabled();
  await expect(card.getByTestId('cluster-export')).toBeDisabled();
  const jobDir = join(work, 'job with space');
  await card.getByTestId('cluster-out').fill(jobDir);
  await card.getByTestId('cluster-export').click();

  await expect(card.getByTestId('cluster-written')).toContainText(`32 images in 1 shard (resnet-tiny at 16 px, batch 16, 40 epochs) written to ${jobDir}`);
  await expect(card.getByTestId('cluster-command')).toHaveText(`cd '${jobDir}' && torchrun --nproc_per_node=N train.py`);
  const job = JSON.parse(readFileSync(join(jobDir, 'job.json'), 'utf8'));
  expect(job.config.options).toMatchObject({ encoder: 'resnet-tiny', imageSize: 16, batchSize: 16, epochs: 40 });
  expect(existsSync(join(jobDir, 'train.py'))).toBe(true);
  await expect(card.getByTestId('cluster-import-path')).toHaveValue(join(jobDir, 'run', 'encoder.safetensors'));

  // Not trained yet: importing the missing file says so and changes nothing.
  await card.getByTestId('cluster-import').click();
  await expect(card.getByTestId('cluster-import-error')).toContainText('encoder.safetensors: cannot read it (no such file)');
  expect((await server.api<{ hasPretrainedEncoder: boolean }>('status')).hasPretrainedEncoder).toBe(false);

  await card.getByTestId('cluster-import-path').fill(join(jobDir, 'init.safetensors'));
  await card.getByTestId('cluster-import').click();
  await expect(card.getByTestId('cluster-imported')).toContainText('Imported resnet-tiny at 16 px, trained 0 steps (0 epochs) with SimCLR Studio');
  expect((await server.api<{ hasPretrainedEncoder: boolean }>('status')).hasPretrainedEncoder).toBe(true);
  await expect(card.getByTestId('cluster-from').locator('option[value="project"]')).toBeEnabled();
  await expect(page.getByTestId('pretrain-imported')).toContainText('The encoder was trained outside the app and imported: resnet-tiny at 16 px, 0 steps');
  await page.screenshot({ path: 'docs/screenshots/pretrain-cluster.png', fullPage: true });
});

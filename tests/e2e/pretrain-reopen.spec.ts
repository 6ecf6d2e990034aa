/**
 * The pretrain page before and after a run: presets that cannot serve here say why, a dry run estimates the
 * duration from measured steps, and a page opened afresh after the run shows its settings, loss curve and log.
 */
import { test, expect, type Page } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finishJob, startImportedSampleServer, type StudioServer } from './studio-server';

let server: StudioServer;

test.beforeAll(async () => {
  // 32 images in batches of 16: 2 steps an epoch.
  ({ server } = await startImportedSampleServer(mkdtempSync(join(tmpdir(), 'simclr-reopen-')), { perClass: 8, size: 24, seed: 9 }));
});

test.afterAll(() => {
  server?.process.kill('SIGTERM');
});

/** The pretrain page opened afresh in another tab of the same browser, as after a reload or a restart. */
async function pretrainPageInNewTab(page: Page): Promise<Page> {
  const tab = await page.context().newPage();
  await tab.goto(server.openUrl);
  await tab.getByTestId('nav-pretrain').click();
  return tab;
}

test('the pretrain page estimates a run, and reopens with its settings, loss curve and log', async ({ page }) => {
  await page.goto(server.openUrl);
  await page.getByTestId('nav-pretrain').click();

  // On wasm, with 32 images: the GPU presets are marked and say why; the cpu preset's batch is too big here.
  await expect(page.getByTestId('pretrain-preset').locator('option[value="paper"]')).toHaveText('paper (not here)');
  const misfits = page.getByTestId('pretrain-preset-misfits');
  await expect(misfits).toContainText('balanced cannot serve here: needs a GPU; this machine trains on wasm (the CPU)');
  await expect(misfits).toContainText('paper cannot serve here: needs a GPU; this machine trains on wasm (the CPU); its batch of 4096 is more than the 32 images here');
  await expect(misfits).toContainText('cpu cannot serve here: its batch of 256 is more than the 32 images here');

  await page.getByTestId('pretrain-epochs').fill('3');
  await page.getByTestId('pretrain-batch').fill('16');
  await page.getByTestId('pretrain-image-size').fill('16');
  await page.getByTestId('pretrain-temperature').fill('0.4');
  await page.getByText('Advanced').click();
  await page.getByTestId('pretrain-grayscaleProb').fill('0.1');

  // The estimate comes from steps measured on this machine, before anything is trained.
  await page.getByTestId('pretrain-estimate').click();
  await expect(page.getByTestId('pretrain-estimate-result')).toContainText(
    /^About \d+ s of training for 6 steps \(3 epochs\): \d+\.\d\d s a step of 16 images .* measured over \d+ steps on this machine's wasm backend with 32 images\.$/,
    { timeout: 120_000 },
  );
  expect((await server.api<{ hasPretrainedEncoder: boolean }>('status')).hasPretrainedEncoder).toBe(false);

  await page.getByTestId('pretrain-start').click();
  await expect(page.getByTestId('pretrain-status')).toContainText(/done/i, { timeout: 180_000 });
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '6');

  // A fresh page (a reload, another tab, the app restarted): the run comes back from the project.
  const fresh = await pretrainPageInNewTab(page);
  await expect(fresh.getByTestId('pretrain-epochs')).toHaveValue('3');
  await expect(fresh.getByTestId('pretrain-batch')).toHaveValue('16');
  await expect(fresh.getByTestId('pretrain-image-size')).toHaveValue('16');
  await expect(fresh.getByTestId('pretrain-temperature')).toHaveValue('0.4');
  await fresh.getByText('Advanced').click();
  await expect(fresh.getByTestId('pretrain-grayscaleProb')).toHaveValue('0.1');
  await expect(fresh.getByTestId('loss-chart')).toHaveAttribute('data-points', '6');
  const log = fresh.getByTestId('pretrain-log');
  await expect(log).toContainText('Starting resnet-tiny at 16 px, batch 16');
  await expect(log).toContainText('Epoch 3/3 done: mean loss');
  await expect(log).toContainText('pretrain finished');

  // A run started elsewhere (the CLI, a script) that named no preset reopens too, over the backend's default.
  await server.api('startPretrain', { encoder: 'resnet-tiny', epochs: 2, batchSize: 8, imageSize: 16 });
  await finishJob(server);
  const third = await pretrainPageInNewTab(page);
  await expect(third.getByTestId('pretrain-preset')).toHaveValue('cpu');
  await expect(third.getByTestId('pretrain-epochs')).toHaveValue('2');
  await expect(third.getByTestId('pretrain-batch')).toHaveValue('8');
  await expect(third.getByTestId('loss-chart')).toHaveAttribute('data-points', '8');
});

/**
 * The whole product flow in the browser UI, in Debian's Chromium, against the real server started by the
 * CLI (`simclr-studio serve`): project → import → pretrain → map → label → fine-tune → export.
 */
import { test, expect, type Page } from '@playwright/test';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleFolder } from '../../src/main/engine/sample/generate-sample';
import type { ImageItem } from '../../src/shared/contract';
import { pretrainPresets } from '../../src/shared/pretrain-presets';
import { startStudioServer, type StudioServer } from './studio-server';

const work = mkdtempSync(join(tmpdir(), 'simclr-e2e-'));
const sampleDir = join(work, 'sample');
const projectDir = join(work, 'project');
const exportDir = join(work, 'export');
/** Screenshots of each main view; `SCREENSHOTS_DIR=docs/screenshots` refreshes the ones in the README. */
const screenshotsDir = process.env.SCREENSHOTS_DIR ?? join('test-results', 'screens');
const perClass = 12;

let server: StudioServer;

test.beforeAll(async () => {
  const sample = await generateSampleFolder(sampleDir, { perClass, size: 32, seed: 7 });
  expect(sample.files).toBe(perClass * sample.classes.length);
  writeFileSync(join(sampleDir, 'broken.jpg'), 'not really a jpeg');
  mkdirSync(screenshotsDir, { recursive: true });
  server = await startStudioServer();
});

test.afterAll(() => {
  server?.process.kill('SIGTERM');
});

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotsDir, `${name}.png`) });
}

test('a user walks every step of the flow in the browser UI', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(server.openUrl);
  await expect(page).toHaveURL(/\/$/); // the token is taken out of the address bar

  // 1. Create the project.
  await page.getByTestId('nav-project').click();
  await page.getByTestId('project-path').fill(projectDir);
  await page.getByTestId('project-open').click();
  await expect(page.getByTestId('project-summary')).toBeVisible();
  await expect(page.getByTestId('backend')).toContainText('wasm');
  expect(existsSync(join(projectDir, 'project.sqlite'))).toBe(true);

  // 2. Import the folder; the broken file is listed with its reason.
  await page.getByTestId('nav-import').click();
  await page.getByTestId('import-path').fill(sampleDir);
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-result')).toContainText(`imported ${perClass * 4}`, { ignoreCase: true });
  await expect(page.getByTestId('import-failure')).toHaveCount(1);
  await expect(page.getByTestId('import-failure')).toContainText('broken.jpg');
  await expect(page.getByTestId('import-failure')).toContainText('not an image');
  await shoot(page, '2-import');

  // 3. Pretrain a tiny encoder for a few epochs.
  await page.getByTestId('nav-pretrain').click();
  // A preset fills every field with its values; the backend's default (cpu on wasm) comes first.
  await expect(page.getByTestId('pretrain-preset')).toHaveValue('cpu');
  await page.getByTestId('pretrain-preset').selectOption('paper');
  await expect(page.getByTestId('pretrain-encoder')).toHaveValue('resnet50');
  await expect(page.getByTestId('pretrain-image-size')).toHaveValue(String(pretrainPresets.paper.imageSize));
  await expect(page.getByTestId('pretrain-batch')).toHaveValue(String(pretrainPresets.paper.batchSize));
  await expect(page.getByTestId('pretrain-preset-summary')).toContainText(pretrainPresets.paper.summary);
  await page.getByTestId('pretrain-preset').selectOption('cpu');
  await expect(page.getByTestId('pretrain-encoder')).toHaveValue(pretrainPresets.cpu.encoder);
  await page.getByTestId('pretrain-encoder').selectOption('resnet-tiny');
  await page.getByTestId('pretrain-epochs').fill('3');
  await page.getByTestId('pretrain-batch').fill('16');
  await page.getByTestId('pretrain-image-size').fill('16');
  await page.getByTestId('pretrain-temperature').fill('0.5');
  // Augmentations are settable under Advanced; a crop area above 1 is refused before anything starts.
  await page.getByText('Advanced').click();
  await page.getByTestId('pretrain-crop-max').fill('1.5');
  await expect(page.getByTestId('pretrain-start')).toBeDisabled();
  await page.getByTestId('pretrain-crop-max').fill('0.9');
  await page.getByTestId('pretrain-grayscaleProb').fill('0.1');
  // Batches of 16 on two threads train in micro-batches of 4 images; a fractional size is refused first.
  await page.getByTestId('pretrain-micro-batch').fill('2.5');
  await expect(page.getByTestId('pretrain-start')).toBeDisabled();
  await page.getByTestId('pretrain-micro-batch').fill('4');
  // LARS's automatic rate can follow the batch linearly instead of by its square root; the hint says which.
  await page.getByTestId('pretrain-lr-scaling').selectOption('linear');
  await expect(page.getByTestId('pretrain-learning-rate')).toHaveAttribute('placeholder', /0\.3·B\/256/);
  await page.getByTestId('pretrain-start').click();
  await expect(page.getByTestId('pretrain-status')).toContainText(/loss/i);
  await expect(page.getByTestId('pretrain-status')).toContainText(/done/i, { timeout: 180_000 });
  await expect(page.getByTestId('loss-chart')).toBeVisible();
  await expect(page.getByTestId('nav-pretrain')).toContainText('Encoder trained');
  // What was set reached the run; the crop's smallest area is the paper's for 16 px views.
  const runs = (await server.api<{ runs: { kind: string; options: { augment?: object; microBatchSize?: number; lrScaling?: string }; metrics: Record<string, number> }[] }>('status')).runs;
  const pretrainRun = runs.find((run) => run.kind === 'pretrain');
  expect(pretrainRun?.options.augment).toEqual({ grayscaleProb: 0.1, cropScale: [0.2, 0.9] });
  expect(pretrainRun?.options.microBatchSize).toBe(4);
  expect(pretrainRun?.options.lrScaling).toBe('linear');
  expect(pretrainRun?.metrics.microBatch).toBe(4);
  await shoot(page, '3-pretrain');

  // 4. Embed and browse the map; hovering a point shows its thumbnail.
  await page.getByTestId('nav-map').click();
  await page.getByTestId('embed-start').click();
  await expect(page.getByTestId('map-count')).toContainText(`${perClass * 4} points`, { timeout: 120_000 });
  const map = page.getByTestId('embedding-map');
  const points = await server.api<{ id: number; x: number; y: number }[]>('getMap');
  expect(points).toHaveLength(perClass * 4);
  // The canvas names one drawn point's position, so the hover lands on a point rather than on a guess.
  const [pointX, pointY] = (await map.getAttribute('data-sample-point'))!.split(',').map(Number);
  const box = (await map.boundingBox())!;
  await page.mouse.move(box.x + pointX, box.y + pointY);
  await expect(page.getByTestId('map-tooltip')).toBeVisible();
  await expect(page.getByTestId('map-tooltip').locator('img')).toBeVisible();
  await shoot(page, '4-map');

  // 5. Label: one class per sample folder, four images each, assigned with the number keys.
  await page.getByTestId('nav-label').click();
  const images = (await server.api<{ items: ImageItem[] }>('listImages', { limit: 500 })).items;
  const classNames = ['checkers', 'circles', 'stripes', 'triangles'];
  for (const name of classNames) {
    await page.getByTestId('class-name').fill(name);
    await page.getByTestId('class-create').click();
  }
  await expect(page.getByTestId('class-chip')).toHaveCount(4);
  for (const [index, name] of classNames.entries()) {
    const ids = images.filter((image) => image.relPath.startsWith(`${name}/`)).slice(0, 4).map((image) => image.id);
    await page.locator(`[data-testid="image-tile"][data-image-id="${ids[0]}"]`).click();
    for (const id of ids.slice(1)) await page.locator(`[data-testid="image-tile"][data-image-id="${id}"]`).click({ modifiers: ['Control'] });
    await page.keyboard.press(String(index + 1));
    await expect(page.getByTestId('class-chip').nth(index)).toContainText('4');
  }
  await expect(page.getByTestId('label-progress')).toContainText(`16 / ${perClass * 4}`);
  await shoot(page, '5-label');

  // 6. Fine-tune and review predictions.
  await page.getByTestId('nav-finetune').click();
  await page.getByTestId('finetune-epochs').fill('8');
  // The classifier sits on the head's first layer unless h is chosen; the choice reaches the run.
  await expect(page.getByTestId('finetune-features')).toHaveValue('head');
  await page.getByTestId('finetune-features').selectOption('h');
  await page.getByTestId('finetune-start').click();
  await expect(page.getByTestId('finetune-result')).toContainText(/Classifier trained — \d+\.\d % \(95 % interval .*\) by 4-fold cross-validation over 16 labelled images/, { timeout: 180_000 });
  // Every way of using the labels, each with what it was measured on (16 labels, 4 a class: 4 folds); one is chosen.
  const candidates = page.getByTestId('finetune-candidates').locator('tbody tr');
  await expect(candidates).toHaveCount(4);
  await expect(page.getByTestId('finetune-chosen')).toHaveCount(1);
  await expect(candidates.nth(1)).toContainText("linear probe on the frozen pretrained encoder's last feature map, averaged over each quarter of the image");
  await expect(candidates.nth(1)).toContainText('of 16 right, by 4-fold cross-validation over 16 labelled images');
  await expect(candidates.nth(3)).toContainText('raw pixels');
  const finetuneRuns = (await server.api<{ runs: { kind: string; options: { features?: string } }[] }>('status')).runs;
  expect(finetuneRuns.find((run) => run.kind === 'finetune')?.options.features).toBe('h');
  await expect(page.getByTestId('prediction-tile').first()).toBeVisible();
  // Accepting in bulk labels only the unlabelled images on the page: a hand label is never replaced in bulk.
  await page.getByTestId('review-hide-labelled').uncheck();
  await expect(page.locator('[data-testid="prediction-tile"][data-labelled="true"]').first()).toBeVisible();
  const unlabelledOnPage = await page.locator('[data-testid="prediction-tile"][data-labelled="false"]').count();
  await expect(page.getByTestId('prediction-accept-page')).toHaveText(`Accept unlabelled on page (${unlabelledOnPage})`);
  await page.getByTestId('review-hide-labelled').check();
  await shoot(page, '6-finetune');

  // 7. Export the model and the predictions.
  await page.getByTestId('nav-export').click();
  await page.getByTestId('export-path').fill(exportDir);
  await page.getByTestId('export-start').click();
  const exportedFile = (name: string) => page.getByTestId('export-file').locator('td.mono', { hasText: new RegExp(`^${name.replace('.', '\\.')}$`) });
  await expect(exportedFile('model.onnx')).toHaveCount(1, { timeout: 120_000 });
  await expect(exportedFile('MODEL_CARD.md')).toHaveCount(1);
  // Try the model on one image from outside the project before shipping it.
  const outside = join(work, 'try-me.png');
  const firstClass = readdirSync(sampleDir, { withFileTypes: true }).find((entry) => entry.isDirectory())!.name;
  writeFileSync(outside, readFileSync(join(sampleDir, firstClass, readdirSync(join(sampleDir, firstClass))[0])));
  await page.getByTestId('try-path').fill(outside);
  await page.getByTestId('try-start').click();
  await expect(page.getByTestId('try-class')).toHaveCount(4, { timeout: 60_000 });
  await expect(page.getByTestId('try-neighbour')).toHaveCount(5);
  const predictionsCsv = join(work, 'predictions.csv');
  await page.getByTestId('predictions-path').fill(predictionsCsv);
  await page.getByTestId('predictions-write').click();
  await expect(page.getByTestId('predictions-result')).toContainText(String(perClass * 4));
  await page.getByTestId('export-result').evaluate((element) => element.scrollIntoView({ block: 'start' }));
  await shoot(page, '7-export');

  for (const file of ['model.onnx', 'model.tfjs/model.json', 'encoder.onnx', 'embeddings.npy', 'classes.json', 'preprocessing.json', 'labels.csv', 'predictions.csv', 'dataset.json', 'MODEL_CARD.md', 'predict.py', 'predict.mjs']) {
    expect(existsSync(join(exportDir, file)), file).toBe(true);
  }
  expect(readFileSync(predictionsCsv, 'utf8').trim().split('\n')).toHaveLength(perClass * 4 + 1);

  // The project view, now full, is the README's first picture.
  await page.getByTestId('nav-project').click();
  await shoot(page, '1-project');
  expect(pageErrors).toEqual([]);
});

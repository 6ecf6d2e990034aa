/**
 * The "Possibly mislabelled" review: after a fine-tune on labels with some flipped on purpose, the flagged
 * images are listed likeliest first, each with the class it looks like, and relabelling one settles its flag.
 */
import { test, expect } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClassInfo, ImageItem, LabelIssueInfo, ProjectStatus } from '../../src/shared/contract';
import { finishJob, startEmbeddedSampleServer, type StudioServer } from './studio-server';

const work = mkdtempSync(join(tmpdir(), 'simclr-e2e-issues-'));
let server: StudioServer;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  ({ server } = await startEmbeddedSampleServer(work, 11));
  // The sample's two classes, labelled by folder, with one image of each labelled as the other.
  const images = (await server.api<{ items: ImageItem[] }>('listImages', { limit: 100 })).items;
  const byFolder = new Map<string, number[]>();
  for (const image of images) byFolder.set(image.relPath.split('/')[0], [...(byFolder.get(image.relPath.split('/')[0]) ?? []), image.id]);
  const [[nameA, idsA], [nameB, idsB]] = [...byFolder.entries()];
  const a = await server.api<ClassInfo>('createClass', { name: nameA });
  const b = await server.api<ClassInfo>('createClass', { name: nameB });
  await server.api('setLabels', { imageIds: [...idsA.slice(1), idsB[0]], classId: a.id });
  await server.api('setLabels', { imageIds: [...idsB.slice(1), idsA[0]], classId: b.id });
  await server.api('startFinetune', { epochs: 3 });
  await finishJob(server);
});

test.afterAll(() => {
  server?.process.kill('SIGTERM');
});

test("the chosen model's confusion matrix opens a cell's images in the grid, where a class key relabels one", async ({ page }) => {
  await page.goto(server.openUrl);
  await page.getByTestId('nav-finetune').click();
  const report = page.getByTestId('finetune-held-out');
  await expect(report).toContainText(/Where it goes wrong: per class, by \d-fold cross-validation over \d+ labelled images/);
  const cells = report.getByTestId('confusion-cell');
  const coordinates = await cells.evaluateAll((buttons) => buttons.map((b) => [Number(b.dataset.labelled), Number(b.dataset.predicted), Number(b.textContent)]));
  // A mistake if the model made one (a label was flipped each way on purpose), else a right answer.
  const index = Math.max(0, coordinates.findIndex(([labelled, predicted]) => labelled !== predicted));
  const [labelled, predicted, count] = coordinates[index];
  const ids = await server.api<number[]>('listImageIds', { filter: 'heldOut', classId: labelled, predictedClassId: predicted });
  expect(ids.length).toBe(count);

  await cells.nth(index).click();
  await expect(page.getByTestId('label-filter')).toHaveValue(`heldOut:${labelled}:${predicted}`);
  await expect(page.getByTestId('grid-count')).toContainText(`${count} image`);
  const shown = await page.getByTestId('image-tile').evaluateAll((tiles) => tiles.map((t) => Number(t.getAttribute('data-image-id'))));
  expect(shown.sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));

  // Relabel the cell's first image from the keyboard as the class the model predicted: it leaves the cell.
  const classes = await server.api<ClassInfo[]>('listClasses');
  const tiles = page.getByTestId('image-tile');
  const first = Number(await tiles.first().getAttribute('data-image-id'));
  await tiles.first().click();
  await page.keyboard.press(String(classes.findIndex((c) => c.id === predicted) + 1));
  if (labelled !== predicted) await expect(page.getByTestId('grid-count')).toContainText(`${count - 1} image`);
  const relabelled = (await server.api<{ items: ImageItem[] }>('listImages', { filter: 'class', classId: predicted, limit: 100 })).items;
  expect(relabelled.map((i) => i.id)).toContain(first);
});

test('flagged labels are reviewed likeliest first with their suggestion, and a relabel settles one', async ({ page }) => {
  const issues = await server.api<LabelIssueInfo[]>('listLabelIssues');
  expect(issues.length).toBeGreaterThan(0);
  expect((await server.api<ProjectStatus>('status')).labelIssues).toBe(issues.length);
  const classes = await server.api<ClassInfo[]>('listClasses');
  const nameOf = (id: number) => classes.find((c) => c.id === id)!.name;

  await page.goto(server.openUrl);
  await page.getByTestId('nav-label').click();
  await expect(page.getByTestId('label-filter').locator('option[value="labelIssues"]')).toHaveText(`Possibly mislabelled (${issues.length})`);
  await page.getByTestId('label-filter').selectOption('labelIssues');
  await expect(page.getByTestId('grid-count')).toContainText(`${issues.length} image`);
  const tiles = page.getByTestId('image-tile');
  // In the order of the list, likeliest first, each naming the class it looks like.
  await expect(tiles.first()).toHaveAttribute('data-image-id', String(issues[0].imageId));
  await expect(tiles.first().getByTestId('tile-suggestion')).toHaveText(`→ ${nameOf(issues[0].suggestedId)}?`);

  // Relabel the first to its suggestion with its class key: it leaves the queue.
  const key = String(classes.findIndex((c) => c.id === issues[0].suggestedId) + 1);
  await tiles.first().click();
  await page.keyboard.press(key);
  await expect(page.getByTestId('grid-count')).toContainText(`${issues.length - 1} image`);
  expect((await server.api<LabelIssueInfo[]>('listLabelIssues')).map((i) => i.imageId)).not.toContain(issues[0].imageId);
});

test('a test set is drawn from every class on the Fine-tune step and shown in the grid', async ({ page }) => {
  await page.goto(server.openUrl);
  await page.getByTestId('nav-finetune').click();
  const card = page.getByTestId('test-set');
  await expect(card.getByTestId('test-set-count')).toContainText('None: the accuracies below are cross-validated');
  await card.getByTestId('test-set-percent').fill('30');
  await card.getByTestId('test-set-hold-out').click();
  await expect.poll(async () => (await server.api<ProjectStatus>('status')).testImages).toBeGreaterThan(0);
  const { testImages, labelled } = await server.api<ProjectStatus>('status');
  await expect(card.getByTestId('test-set-count')).toContainText(`${testImages} of ${labelled} labelled images`);
  const inTest = await server.api<number[]>('listImageIds', { filter: 'test' });
  expect(inTest.length).toBe(testImages);

  await card.getByRole('button', { name: 'Show them' }).click();
  await expect(page.getByTestId('label-filter')).toHaveValue('test');
  await expect(page.getByTestId('grid-count')).toContainText(`${testImages} image`);

  // Cleared, the next fine-tune would use every label again.
  await page.getByTestId('nav-finetune').click();
  await page.getByTestId('test-set-clear').click();
  await expect(card.getByTestId('test-set-count')).toContainText('None');
  expect((await server.api<ProjectStatus>('status')).testImages).toBe(0);
});

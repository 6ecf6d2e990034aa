/**
 * Labelling at real scale, in Debian's Chromium against the server the CLI starts: an import with bad and
 * duplicate files, then classes (create, rename, recolour, merge, delete), keyboard labelling, undo/redo, the
 * large viewer, "more like this", the suggestion queue; and a 100,000-image grid that stays virtual.
 */
import { test, expect, type Locator, type Page } from '@playwright/test';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleFolder } from '../../src/main/engine/sample/generate-sample';
import type { ClassInfo, ImageItem, ProjectStatus } from '../../src/shared/contract';
import { startStudioServer, type StudioServer } from './studio-server';

test.describe.configure({ mode: 'serial' });

const work = mkdtempSync(join(tmpdir(), 'simclr-e2e-label-'));
const sampleDir = join(work, 'sample');
const projectDir = join(work, 'project');
const screenshotsDir = process.env.SCREENSHOTS_DIR ?? join('test-results', 'screens');
const perClass = 8;
const imageCount = perClass * 4;

let server: StudioServer;
let openUrl = '';

test.beforeAll(async () => {
  await generateSampleFolder(sampleDir, { perClass, size: 32, seed: 11, classes: 4 });
  // Two files that are not images, and two byte-for-byte copies of imported images.
  writeFileSync(join(sampleDir, 'broken.jpg'), 'not really a jpeg');
  writeFileSync(join(sampleDir, 'empty.png'), '');
  mkdirSync(join(sampleDir, 'copies'));
  copyFileSync(join(sampleDir, 'circles', 'circles_000.png'), join(sampleDir, 'copies', 'circle-copy.png'));
  copyFileSync(join(sampleDir, 'stripes', 'stripes_001.jpg'), join(sampleDir, 'copies', 'stripes-copy.jpg'));
  mkdirSync(screenshotsDir, { recursive: true });

  server = await startStudioServer();
  openUrl = server.openUrl;
});

test.afterAll(() => {
  server?.process.kill('SIGTERM');
});

/** Ground truth for the test's own checks, asked of the same API the UI uses. */
function api<T>(command: string, args: object = {}): Promise<T> {
  return server.api<T>(command, args);
}

/** Waits for the engine's running job to end and checks it succeeded. */
async function finishJob(kind: string): Promise<void> {
  await expect
    .poll(async () => (await api<ProjectStatus>('status')).activeJob?.kind ?? null, { timeout: 180_000, intervals: [500] })
    .toBeNull();
  const status = await api<ProjectStatus>('status');
  const run = status.runs.filter((r) => r.kind === kind).at(-1);
  expect(run?.state, `${kind} run`).toBe('done');
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotsDir, `${name}.png`) });
}

const tile = (page: Page, id: number): Locator => page.locator(`[data-testid="image-tile"][data-image-id="${id}"]`);
const chip = (page: Page, name: string): Locator => page.getByTestId('class-chip').filter({ hasText: name });

async function openClassMenu(page: Page, name: string): Promise<void> {
  const classes = await api<ClassInfo[]>('listClasses');
  const id = classes.find((c) => c.name === name)!.id;
  await page.locator(`[data-testid="class-menu"][data-class-id="${id}"]`).click();
}

test('a user imports, labels by keyboard, undoes, merges, deletes and follows the suggestion queue', async ({ page }) => {
  test.setTimeout(420_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(openUrl);

  // Project and import through the UI: the two bad files are listed with their reasons.
  await page.getByTestId('nav-project').click();
  await page.getByTestId('project-path').fill(projectDir);
  await page.getByTestId('project-open').click();
  await expect(page.getByTestId('project-summary')).toBeVisible();
  await page.getByTestId('nav-import').click();
  await page.getByTestId('import-path').fill(sampleDir);
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-failure')).toHaveCount(2, { timeout: 60_000 });
  await expect(page.getByTestId('import-failure').filter({ hasText: 'broken.jpg' })).toHaveCount(1);
  await expect(page.getByTestId('import-failure').filter({ hasText: 'empty.png' })).toHaveCount(1);
  const imported = await api<ProjectStatus>('status');
  expect(imported.images).toBe(imageCount);
  expect(imported.duplicates).toBe(2);

  // A tiny encoder and its embeddings, through the API to save time: suggestions and "more like this" need them.
  await api('startPretrain', { encoder: 'resnet-tiny', epochs: 2, batchSize: 16, imageSize: 16 });
  await finishJob('pretrain');
  await api('startEmbed', {});
  await finishJob('embed');
  expect((await api<ProjectStatus>('status')).embeddings).toBe(imageCount);

  await page.getByTestId('nav-label').click();
  await expect(page.getByTestId('label-progress')).toContainText(`0 / ${imageCount}`);
  const images = (await api<{ items: ImageItem[] }>('listImages', { limit: 500 })).items;

  // The duplicates filter shows the two images that have a copy.
  await page.getByTestId('label-filter').selectOption('duplicates');
  await expect(page.getByTestId('grid-count')).toContainText('2 images');
  await page.getByTestId('label-filter').selectOption('all');
  await expect(page.getByTestId('grid-count')).toContainText(`${imageCount} images`);

  for (const name of ['circles', 'stripes', 'checkers']) {
    await page.getByTestId('class-name').fill(name);
    await page.getByTestId('class-create').click();
  }
  await expect(page.getByTestId('class-chip')).toHaveCount(3);

  // Label one image with key 1; undo takes the label away, redo brings it back.
  const first = images[0].id;
  await tile(page, first).click();
  await page.keyboard.press('1');
  await expect(tile(page, first)).not.toHaveAttribute('data-label-id', '');
  await expect(page.getByTestId('label-progress')).toContainText(`1 / ${imageCount}`);
  await expect(page.getByTestId('undo')).toHaveAttribute('title', /Undo: /);
  await page.keyboard.press('Control+z');
  await expect(tile(page, first)).toHaveAttribute('data-label-id', '');
  await expect(page.getByTestId('label-progress')).toContainText(`0 / ${imageCount}`);
  await page.getByTestId('redo').click();
  await expect(tile(page, first)).not.toHaveAttribute('data-label-id', '');
  await expect(page.getByTestId('label-progress')).toContainText(`1 / ${imageCount}`);

  // Shift-click selects a range of four; key 2 labels all of them.
  await tile(page, images[1].id).click();
  await tile(page, images[4].id).click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('selection-count')).toContainText('4 selected');
  await page.keyboard.press('2');
  await expect(chip(page, 'stripes')).toContainText('4');
  await expect(page.getByTestId('label-progress')).toContainText(`5 / ${imageCount}`);
  await shoot(page, 'label-grid');

  // Merge circles (1 label) into stripes (4): the counts add up to 5 and circles is gone.
  await openClassMenu(page, 'circles');
  await shoot(page, 'label-class-menu');
  await page.getByTestId('class-merge').click();
  await page.getByTestId('merge-target').selectOption({ label: 'stripes (4)' });
  await page.getByTestId('class-merge-go').click();
  await expect(page.getByTestId('confirm-dialog')).toContainText('1 image');
  await page.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('class-chip')).toHaveCount(2);
  await expect(chip(page, 'stripes')).toContainText('5');
  await expect(page.getByTestId('label-progress')).toContainText(`5 / ${imageCount}`);

  // Delete stripes: the dialog says how many labels it affects; cancel changes nothing, OK unlabels them.
  await openClassMenu(page, 'stripes');
  await page.getByTestId('class-delete').click();
  await expect(page.getByTestId('confirm-dialog')).toContainText('5 images');
  await shoot(page, 'label-confirm-delete');
  await page.getByTestId('confirm-cancel').click();
  await expect(page.getByTestId('confirm-dialog')).toHaveCount(0);
  await expect(page.getByTestId('class-chip')).toHaveCount(2);
  await openClassMenu(page, 'stripes');
  await page.getByTestId('class-delete').click();
  await page.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('class-chip')).toHaveCount(1);
  await expect(page.getByTestId('label-progress')).toContainText(`0 / ${imageCount}`);

  // Rename and recolour the remaining class.
  await openClassMenu(page, 'checkers');
  await page.getByTestId('class-rename').click();
  await page.getByTestId('class-rename-input').fill('checks');
  await page.getByTestId('class-rename-save').click();
  await expect(page.getByTestId('class-chip')).toContainText('checks');
  await openClassMenu(page, 'checks');
  await page.getByTestId('class-recolor').click();
  await page.getByRole('button', { name: 'Colour #59a14f' }).click();
  await expect.poll(async () => (await api<ClassInfo[]>('listClasses'))[0].color).toBe('#59a14f');
  await page.getByTestId('class-name').fill('stripes');
  await page.getByTestId('class-create').click();
  await expect(page.getByTestId('class-chip')).toHaveCount(2);

  // The suggestion queue: key 1 labels the current image and moves on; three times adds three labels.
  await page.getByTestId('suggestions-open').click();
  await expect(page.getByTestId('suggestion-queue')).toBeVisible();
  await expect(page.getByTestId('suggestion-strategy')).toContainText(/diversity/i);
  const labelledIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    const current = page.getByTestId('suggestion-current');
    const id = (await current.getAttribute('data-image-id'))!;
    labelledIds.push(id);
    await page.keyboard.press('1');
    await expect(current).not.toHaveAttribute('data-image-id', id);
  }
  await shoot(page, 'label-suggestions');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('suggestion-queue')).toHaveCount(0);
  await expect(page.getByTestId('label-progress')).toContainText(`3 / ${imageCount}`);
  expect(new Set(labelledIds).size).toBe(3);

  // The large viewer: Enter opens, → moves on, 2 labels, "more like this" lists neighbours to label at once.
  // One whose next image (where → goes) is unlabelled too, so labelling that one adds a label.
  const isUnlabelled = (image: ImageItem | undefined) => image !== undefined && !labelledIds.includes(String(image.id));
  const unlabelled = images.find((image, i) => isUnlabelled(image) && isUnlabelled(images[i + 1]))!;
  await tile(page, unlabelled.id).click();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('image-viewer')).toBeVisible();
  await expect(page.getByTestId('viewer-image')).toHaveAttribute('data-image-id', String(unlabelled.id));
  // The large view shows the image itself (served at viewing size), not the thumbnail.
  const shown = page.getByTestId('viewer-image').locator('img');
  await expect(shown).toHaveAttribute('src', new RegExp(`/images/${unlabelled.id}\\.webp`));
  const loadedFromImageRoute = (img: { complete: boolean; src: string; naturalWidth: number }) => (img.complete && img.src.includes('/images/') ? img.naturalWidth : 0);
  await expect.poll(() => shown.evaluate(loadedFromImageRoute)).toBeGreaterThan(0);
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('viewer-image')).not.toHaveAttribute('data-image-id', String(unlabelled.id));
  await page.keyboard.press('2');
  await expect(page.getByTestId('label-progress')).toContainText(`4 / ${imageCount}`);
  await shoot(page, 'label-viewer');
  await page.getByTestId('more-like-this').click();
  await expect(page.getByTestId('similar-grid')).toBeVisible();
  const similar = page.getByTestId('similar-tile');
  await expect(similar.nth(3)).toBeVisible();
  await similar.nth(1).click();
  await similar.nth(2).click();
  await page.keyboard.press('2');
  await expect(similar.nth(1)).toContainText('stripes');
  await expect(similar.nth(2)).toContainText('stripes');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('similar-dialog')).toHaveCount(0);

  // Select all in the filter (Ctrl+A), and a rubber band drawn over the first row.
  await tile(page, images[0].id).click();
  await page.keyboard.press('Control+a');
  await expect(page.getByTestId('selection-count')).toContainText(`${imageCount} selected`);
  await page.keyboard.press('Escape');
  const grid = (await page.getByTestId('image-grid').boundingBox())!;
  const third = (await tile(page, images[2].id).boundingBox())!;
  await page.mouse.move(grid.x + 3, grid.y + 3);
  await page.mouse.down();
  await page.mouse.move(third.x + third.width / 2, third.y + 20, { steps: 5 });
  await page.mouse.up();
  await expect(page.getByTestId('selection-count')).toContainText('3 selected');

  // Every change is in SQLite already: the engine's own count agrees with the UI.
  const finalStatus = await api<ProjectStatus>('status');
  await expect(page.getByTestId('label-progress')).toContainText(`${finalStatus.labelled} / ${imageCount}`);
  expect(pageErrors).toEqual([]);
});

test('the grid stays virtual at 100,000 images and fetches only the pages it shows', async ({ page }) => {
  const total = 100_000;
  const offsets: number[] = [];
  // The engine answers for a project of 100,000 images; thumbnails are absent, which the tiles show as such.
  await page.route('**/api/call/listImages', async (route) => {
    const args = JSON.parse(route.request().postData() ?? '{}') as { offset?: number; limit?: number };
    const offset = args.offset ?? 0;
    const limit = Math.min(args.limit ?? 200, total - offset);
    offsets.push(offset);
    const items: ImageItem[] = Array.from({ length: Math.max(0, limit) }, (_, i) => ({
      id: 1_000_000 + offset + i,
      path: `/big/img_${offset + i}.png`,
      relPath: `img_${offset + i}.png`,
      width: 64,
      height: 64,
      labelId: null,
      predictedId: null,
      confidence: null,
    }));
    await route.fulfill({ json: { total, items } });
  });
  await page.goto(openUrl);
  await page.getByTestId('nav-label').click();
  const grid = page.getByTestId('image-grid');
  await expect(grid).toHaveAttribute('data-total', String(total));
  await expect(page.getByTestId('image-tile').first()).toBeVisible();
  expect(await page.getByTestId('image-tile').count()).toBeLessThan(300);

  // Scroll to the end in 40 quick frames, like dragging the scrollbar: only pages where it stops are fetched.
  offsets.length = 0;
  const scrollMs = await grid.evaluate(
    (element) =>
      new Promise<number>((done) => {
        const startedAt = performance.now();
        let frame = 0;
        const step = () => {
          frame += 1;
          element.scrollTop = (element.scrollHeight * frame) / 40;
          if (frame < 40) setTimeout(step, 16);
          else done(performance.now() - startedAt);
        };
        setTimeout(step, 16);
      }),
  );
  await expect(page.locator(`[data-testid="image-tile"][data-index="${total - 1}"]`)).toBeVisible();
  expect(await page.getByTestId('image-tile').count()).toBeLessThan(300);
  // 500 pages lie between the top and the bottom. The pager fetches at most once per pause (ImagePager's
  // fetchPause, 70 ms), each time the pages under the < 300 tiles in view (at most 3 of 200): ~10 fetches on a
  // quiet machine. The bound follows the time the scroll took, since a loaded machine stretches it.
  const fetchWindows = Math.ceil(scrollMs / 70) + 2;
  expect(new Set(offsets).size).toBeLessThanOrEqual(Math.min(3 * fetchWindows, 3 * 40 + 1));
  await shoot(page, 'label-100k');
});

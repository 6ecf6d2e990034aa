/**
 * Labelling from the map, in Debian's Chromium against the server the CLI starts: the map is drawn by WebGL,
 * a lasso drawn around real points selects exactly the points inside it, the panel counts them by class, a
 * class key labels them all, and the labels are in SQLite; the box tool selects too; a map an earlier encoder
 * laid out shows as stale until it is recomputed.
 */
import { test, expect, type Page } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClassInfo, ImageItem, MapPoint } from '../../src/shared/contract';
import { finishJob, startEmbeddedSampleServer, type StudioServer } from './studio-server';

const work = mkdtempSync(join(tmpdir(), 'simclr-e2e-map-'));
const screenshotsDir = process.env.SCREENSHOTS_DIR ?? join('test-results', 'screens');
let server: StudioServer;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  ({ server } = await startEmbeddedSampleServer(work, 17));
});

test.afterAll(() => {
  server?.process.kill('SIGTERM');
});

// The map's views must not throw (an effect that feeds itself shows only as a page error).
let pageErrors: string[] = [];
test.beforeEach(({ page }) => {
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
});
test.afterEach(() => {
  expect(pageErrors).toEqual([]);
});

/** A rectangle in map units around the middle of the points: where each of its corners lands on the page. */
async function rectangleAround(page: Page, points: MapPoint[]) {
  const xs = points.map((p) => p.x).sort((a, b) => a - b);
  const ys = points.map((p) => p.y).sort((a, b) => a - b);
  // From the 20th to the 70th percentile on each axis: a region with some points in and some out.
  const [x0, x1] = [xs[Math.floor(xs.length * 0.2)] - 1e-4, xs[Math.floor(xs.length * 0.7)] + 1e-4];
  const [y0, y1] = [ys[Math.floor(ys.length * 0.2)] - 1e-4, ys[Math.floor(ys.length * 0.7)] + 1e-4];
  const inside = points.filter((p) => p.x > x0 && p.x < x1 && p.y > y0 && p.y < y1).map((p) => p.id);
  const map = page.getByTestId('embedding-map');
  const [scale, ox, oy] = (await map.getAttribute('data-view'))!.split(',').map(Number);
  const box = (await map.boundingBox())!;
  const onPage = (x: number, y: number) => ({ x: box.x + x * scale + ox, y: box.y + y * scale + oy });
  return { inside, corners: [onPage(x0, y0), onPage(x1, y0), onPage(x1, y1), onPage(x0, y1)] };
}

test('a lasso around real points selects them, and a class key labels them all in SQLite', async ({ page }) => {
  const target = await server.api<ClassInfo>('createClass', { name: 'lassoed' });
  await page.goto(server.openUrl);
  await page.getByTestId('nav-map').click();
  const points = await server.api<MapPoint[]>('getMap');
  await expect(page.getByTestId('map-count')).toHaveText(`${points.length} points`);
  await expect(page.getByTestId('embedding-map')).toHaveAttribute('data-renderer', 'webgl');

  const { inside, corners } = await rectangleAround(page, points);
  expect(inside.length).toBeGreaterThan(0);
  expect(inside.length).toBeLessThan(points.length);
  await page.getByTestId('map-tool-lasso').click();
  // The lasso's path: along the rectangle's edges, a few steps each, back to where it began.
  await page.mouse.move(corners[0].x, corners[0].y);
  await page.mouse.down();
  for (const corner of [...corners.slice(1), corners[0]]) await page.mouse.move(corner.x, corner.y, { steps: 5 });
  await page.mouse.up();

  await expect(page.getByTestId('map-selection-count')).toHaveText(`${inside.length} selected`);
  await expect(page.getByTestId('map-selection-label')).toHaveText([`unlabelled ${inside.length}`]);
  await page.screenshot({ path: join(screenshotsDir, '4-map-selection.png') });
  await page.keyboard.press('1');
  await expect(page.getByTestId('map-selection-done')).toContainText(`${inside.length} labelled lassoed`);

  const stored = await server.api<number[]>('listImageIds', { filter: 'class', classId: target.id });
  expect([...stored].sort((a, b) => a - b)).toEqual([...inside].sort((a, b) => a - b));
  const after = await server.api<MapPoint[]>('getMap');
  expect(after.filter((p) => p.labelId !== null).map((p) => p.id).sort((a, b) => a - b)).toEqual([...inside].sort((a, b) => a - b));
});

test('the box tool selects the points in its box, Escape clears the selection, and a selection opens in the grid', async ({ page }) => {
  await page.goto(server.openUrl);
  await page.getByTestId('nav-map').click();
  const points = await server.api<MapPoint[]>('getMap');
  await expect(page.getByTestId('map-count')).toHaveText(`${points.length} points`);
  const { inside, corners } = await rectangleAround(page, points);
  await page.getByTestId('map-tool-box').click();
  await page.mouse.move(corners[0].x, corners[0].y);
  await page.mouse.down();
  await page.mouse.move(corners[2].x, corners[2].y, { steps: 8 });
  await page.mouse.up();
  await expect(page.getByTestId('map-selection-count')).toHaveText(`${inside.length} selected`);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('map-selection')).toHaveCount(0);

  // Selected again, then opened in the Label step's grid: exactly those images.
  await page.mouse.move(corners[0].x, corners[0].y);
  await page.mouse.down();
  await page.mouse.move(corners[2].x, corners[2].y, { steps: 8 });
  await page.mouse.up();
  await page.getByTestId('map-selection-grid').click();
  await expect(page.getByTestId('label-filter')).toHaveValue('mapSelection');
  await expect(page.getByTestId('grid-count')).toContainText(`${inside.length} image`);
  const shown = await page.getByTestId('image-tile').evaluateAll((tiles) => tiles.map((t) => Number(t.getAttribute('data-image-id'))));
  expect(shown.sort((a, b) => a - b)).toEqual([...inside].sort((a, b) => a - b));
});

test('a click on a point shows its image, label and nearest neighbours; a neighbour picks that one', async ({ page }) => {
  await page.goto(server.openUrl);
  await page.getByTestId('nav-map').click();
  const points = await server.api<MapPoint[]>('getMap');
  await expect(page.getByTestId('map-count')).toHaveText(`${points.length} points`);
  const map = page.getByTestId('embedding-map');
  const [x, y] = (await map.getAttribute('data-sample-point'))!.split(',').map(Number);
  const box = (await map.boundingBox())!;
  await page.mouse.click(box.x + x, box.y + y);
  const [first] = await server.api<ImageItem[]>('getImages', { imageIds: [points[0].id] });
  const details = page.getByTestId('map-point-details');
  await expect(details).toContainText(first.relPath);
  await expect(page.getByTestId('map-selection-count')).toHaveText('1 selected');
  await details.locator('button').first().click();
  await expect(details).not.toContainText(first.relPath);
});

test('after a new pretraining run the map shows as stale, and recomputing it brings it up to date', async ({ page }) => {
  await server.api('startPretrain', { encoder: 'resnet-tiny', epochs: 1, batchSize: 12, imageSize: 16, seed: 99, resume: false });
  await finishJob(server);
  await page.goto(server.openUrl);
  await expect(page.getByTestId('nav-map')).toHaveAttribute('data-state', 'stale');
  await expect(page.getByTestId('nav-map')).toContainText('Stale: pretrained since; recompute');
  await page.getByTestId('nav-map').click();
  const notice = page.getByTestId('stale-notice');
  await expect(notice).toContainText('The embeddings and this map came from an earlier encoder');
  await notice.getByRole('button', { name: 'Recompute map' }).click();
  await expect(notice).toHaveCount(0, { timeout: 120_000 });
  await expect(page.getByTestId('nav-map')).toHaveAttribute('data-state', 'done');
  expect((await server.api<{ stale: string[] }>('status')).stale).toEqual([]);
});

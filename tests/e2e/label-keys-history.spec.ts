/**
 * Rough edges of labelling a new user met: creating and renaming a class are undoable like merge and delete;
 * every class has a key (1–9, then letters, shown on the chips); and the suggestion queue keeps the focus and
 * its label keys after "Refresh suggestions".
 */
import { test, expect, type Locator, type Page } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClassInfo, ImageItem, ProjectStatus } from '../../src/shared/contract';
import { startEmbeddedSampleServer, type StudioServer } from './studio-server';

// The page's globals its checks below use: this program's TypeScript has no DOM library.
declare const document: { activeElement: unknown; querySelector(selector: string): { contains(node: unknown): boolean } | null };

test.describe.configure({ mode: 'serial' });

const work = mkdtempSync(join(tmpdir(), 'simclr-e2e-keys-'));
let server: StudioServer;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  ({ server } = await startEmbeddedSampleServer(work, 5));
});

test.afterAll(() => {
  server?.process.kill('SIGTERM');
});

const classes = () => server.api<ClassInfo[]>('listClasses');
const labelled = async () => (await server.api<ProjectStatus>('status')).labelled;
const tile = (page: Page, id: number): Locator => page.locator(`[data-testid="image-tile"][data-image-id="${id}"]`);
const chip = (page: Page, name: string): Locator => page.getByTestId('class-chip').filter({ hasText: name });

async function openLabelView(page: Page): Promise<void> {
  await page.goto(server.openUrl);
  await page.getByTestId('nav-label').click();
  await expect(page.getByTestId('grid-count')).toContainText('12 images');
}

test('creating and renaming a class are undone and redone like any label change, and the undo button names them', async ({ page }) => {
  await openLabelView(page);
  const undo = page.getByTestId('undo');
  await page.getByTestId('class-name').fill('kiwi');
  await page.getByTestId('class-create').click();
  await expect(chip(page, 'kiwi')).toHaveCount(1);
  await expect(undo).toHaveAttribute('title', /^Undo: created class kiwi/);

  await page.getByTestId('grid-count').click();
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('class-chip')).toHaveCount(0);
  expect(await classes()).toEqual([]);
  await page.keyboard.press('Control+Shift+z');
  await expect(chip(page, 'kiwi')).toHaveCount(1);
  const [kiwi] = await classes();

  await page.locator(`[data-testid="class-menu"][data-class-id="${kiwi.id}"]`).click();
  await page.getByTestId('class-rename').click();
  await page.getByTestId('class-rename-input').fill('lime');
  await page.getByTestId('class-rename-save').click();
  await expect(chip(page, 'lime')).toHaveCount(1);
  await expect(undo).toHaveAttribute('title', /^Undo: renamed class kiwi to lime/);
  await undo.click();
  await expect(chip(page, 'kiwi')).toHaveCount(1);
  expect((await classes()).map((c) => [c.id, c.name])).toEqual([[kiwi.id, 'kiwi']]);
  await page.getByTestId('redo').click();
  await expect(chip(page, 'lime')).toHaveCount(1);
});

test('every class past the ninth has a letter key, shown on its chip, that labels the selection', async ({ page }) => {
  for (let n = (await classes()).length + 1; n <= 11; n++) await server.api('createClass', { name: `class ${n}` });
  const [, , , , , , , , , tenth, eleventh] = await classes();
  await openLabelView(page);
  await expect(page.getByTestId('class-chip')).toHaveCount(11);
  await expect(chip(page, 'class 10').locator('kbd')).toHaveText('Q');
  await expect(chip(page, 'class 11').locator('kbd')).toHaveText('W');

  const images = (await server.api<{ items: ImageItem[] }>('listImages', { limit: 100 })).items;
  await tile(page, images[0].id).click();
  await page.keyboard.press('q');
  await expect(tile(page, images[0].id)).toHaveAttribute('data-label-id', String(tenth.id));
  await tile(page, images[1].id).click();
  await page.keyboard.press('w');
  await expect(tile(page, images[1].id)).toHaveAttribute('data-label-id', String(eleventh.id));

  // In the large view too, and the letters the views keep for themselves (M: more like this) label nothing.
  await tile(page, images[2].id).click();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('image-viewer')).toBeVisible();
  await expect(page.getByTestId('label-key').filter({ hasText: 'class 11' }).locator('kbd')).toHaveText('W');
  await page.keyboard.press('w');
  await expect(page.getByTestId('viewer-image')).toContainText('class 11');
  await page.keyboard.press('m');
  await expect(page.getByTestId('similar-dialog')).toBeVisible();
  await page.keyboard.press('Escape');
  expect(await labelled()).toBe(3);
});

test('after "Refresh suggestions" the queue keeps the focus and its number keys go on labelling', async ({ page }) => {
  if ((await classes()).length === 0) await server.api('createClass', { name: 'class 1' }); // when run on its own
  await openLabelView(page);
  await page.getByTestId('suggestions-open').click();
  const queue = page.getByTestId('suggestion-queue');
  const current = page.getByTestId('suggestion-current');
  await expect(current).toBeVisible();
  const refresh = page.getByTestId('suggestions-refresh');
  const refreshed = page.waitForResponse((response) => response.url().includes('/api/call/suggestLabels'));
  await refresh.click();
  await refreshed;
  await expect(refresh).toHaveText('Refresh suggestions');

  const focusInQueue = () => page.evaluate(() => document.querySelector('[data-testid="suggestion-queue"]')?.contains(document.activeElement) ?? false);
  expect(await focusInQueue()).toBe(true);
  const before = await labelled();
  const first = (await current.getAttribute('data-image-id'))!;
  await page.keyboard.press('1');
  await expect(current).not.toHaveAttribute('data-image-id', first);
  await expect.poll(labelled).toBe(before + 1);
  // S still skips: it is no class's key.
  const second = (await current.getAttribute('data-image-id'))!;
  await page.keyboard.press('s');
  await expect(current).not.toHaveAttribute('data-image-id', second);
  expect(await labelled()).toBe(before + 1);
  await expect(queue).toBeVisible();
});

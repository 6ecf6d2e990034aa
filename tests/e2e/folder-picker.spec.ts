/**
 * The folder picker in the browser UI, against the real server: a folder whose images sit in sub-folders (one per
 * class, say) is shown as holding them, not as empty, and importing it from the picker takes them all in; a huge
 * tree is counted only so far.
 */
import { test, expect } from '@playwright/test';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleFolder } from '../../src/main/engine/sample/generate-sample';
import { openProjectInUi, startStudioServer, type StudioServer } from './studio-server';

const work = mkdtempSync(join(tmpdir(), 'simclr-e2e-picker-'));
/** Class folders with the images; nothing at the top. */
const classFolders = join(work, 'classes');
/** More images than the picker counts: it says so with a "+". */
const bigTree = join(work, 'big');
const perClass = 2;
const classes = 3;

let server: StudioServer;

test.beforeAll(async () => {
  await generateSampleFolder(classFolders, { perClass, classes, size: 24, seed: 5 });
  // Counting looks at names only, so empty files stand in for images here.
  for (const part of ['one', 'two']) {
    mkdirSync(join(bigTree, part, 'deeper'), { recursive: true });
    for (let i = 0; i < 600; i++) writeFileSync(join(bigTree, part, 'deeper', `${i}.jpg`), '');
  }
  server = await startStudioServer();
});

test.afterAll(() => {
  server?.process.kill('SIGTERM');
});

test('a folder of class folders shows its images as in sub-folders and imports from the picker', async ({ page }) => {
  await page.goto(server.openUrl);
  await openProjectInUi(page, join(work, 'project'));
  await page.getByTestId('nav-import').click();

  // Browse from the big tree (counted only up to the limit) up to the class folders' parent.
  await page.getByTestId('import-path').fill(bigTree);
  await page.getByRole('button', { name: 'Hide folders' }).click();
  await page.getByRole('button', { name: 'Browse…' }).click();
  const count = page.getByTestId('dir-image-count');
  await expect(count).toHaveText('No images here · 1,000+ in sub-folders');

  await page.getByTestId('dir-up').click();
  await page.locator(`[data-testid="dir-entry"][title="${classFolders}"]`).click();
  await expect(count).toHaveText(`No images here · ${perClass * classes} in sub-folders`);
  await expect(page.getByTestId('dir-subfolder-hint')).toContainText('in sub-folders');

  // Inside one class folder: its own images, nothing below.
  await page.locator('[data-testid="dir-entry"]').first().click();
  await expect(count).toHaveText(`${perClass} images here`);
  await expect(page.getByTestId('dir-subfolder-hint')).toHaveCount(0);

  // Back up, and the picker's button imports every class folder.
  await page.getByTestId('dir-up').click();
  await expect(count).toHaveText(`No images here · ${perClass * classes} in sub-folders`);
  await page.getByTestId('dir-use').click();
  await expect(page.getByTestId('import-result')).toContainText(`imported ${perClass * classes}`, { ignoreCase: true });
  const status = await server.api<{ images: number; roots: string[] }>('status');
  expect(status).toMatchObject({ images: perClass * classes, roots: [classFolders] });
});

/**
 * Error banners in the browser UI, against the real server: a notice about a failure goes once the thing it was
 * about works (a project opens, a new import runs), and the user can dismiss one.
 */
import { test, expect, type Page } from '@playwright/test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleFolder } from '../../src/main/engine/sample/generate-sample';
import { openProjectInUi, startStudioServer, type StudioServer } from './studio-server';

const work = mkdtempSync(join(tmpdir(), 'simclr-e2e-notices-'));
const sampleDir = join(work, 'sample');
/** A plain file where a project folder should be: opening it fails. */
const notAFolder = join(work, 'not-a-folder');

let server: StudioServer;

test.beforeAll(async () => {
  await generateSampleFolder(sampleDir, { perClass: 2, classes: 2, size: 24, seed: 3 });
  writeFileSync(notAFolder, 'just a file');
  server = await startStudioServer();
});

test.afterAll(() => {
  server?.process.kill('SIGTERM');
});

async function importFolder(page: Page, folder: string): Promise<void> {
  await page.getByTestId('nav-import').click();
  await page.getByTestId('import-path').fill(folder);
  await page.getByTestId('import-start').click();
}

test('a failure notice clears when the same thing next works, and can be dismissed', async ({ page }) => {
  const banners = page.getByTestId('error-banner');
  await page.goto(server.openUrl);

  // A project that cannot be opened, then one that can: the first failure is no longer true.
  await page.getByTestId('nav-project').click();
  await page.getByTestId('project-path').fill(notAFolder);
  await page.getByTestId('project-open').click();
  await expect(banners).toHaveCount(1);
  await openProjectInUi(page, join(work, 'project'));
  await expect(banners).toHaveCount(0);

  // An import that fails (the engine refuses a missing folder before any job starts), then one that works.
  await importFolder(page, join(work, 'missing'));
  await expect(banners).toHaveCount(1);
  await expect(banners).toContainText(`${join(work, 'missing')}: no such folder`);
  await importFolder(page, sampleDir);
  await expect(page.getByTestId('import-result')).toContainText('imported 4', { ignoreCase: true });
  await expect(banners).toHaveCount(0);

  // Two failures of the same import: one notice, the newest, not a growing pile.
  await importFolder(page, join(work, 'missing-1'));
  await expect(banners).toContainText('missing-1');
  await importFolder(page, join(work, 'missing-2'));
  await expect(banners).toContainText('missing-2');
  await expect(banners).toHaveCount(1);

  // The user closes it.
  await banners.getByRole('button', { name: 'Dismiss this message' }).click();
  await expect(banners).toHaveCount(0);
});

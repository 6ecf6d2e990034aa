/**
 * The browser UI's session token, against the real server: the printed URL's token outlives the address bar it
 * is taken out of (a reload, the bar's URL pasted into a new tab), stays out of cookies that other ports would
 * see, and a page with no token or a refused one says how to get a working address.
 */
import { test, expect, type Page } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openProjectInUi, startStudioServer, type StudioServer } from './studio-server';

declare const document: { cookie: string };

const work = mkdtempSync(join(tmpdir(), 'simclr-e2e-token-'));
let server: StudioServer;

test.beforeAll(async () => {
  server = await startStudioServer();
});

test.afterAll(() => {
  server?.process.kill('SIGTERM');
});

/** The page talks to the engine: a project opens and no notice appears. */
async function expectWorking(page: Page, projectName: string): Promise<void> {
  await openProjectInUi(page, join(work, projectName));
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
}

async function expectTokenAdvice(page: Page): Promise<void> {
  const banner = page.getByTestId('error-banner');
  await expect(banner).toHaveCount(1);
  await expect(banner).toContainText('Open the address the server printed');
  await expect(banner).toContainText(`${new URL(server.openUrl).origin}/?token=…`);
}

test('after the printed URL, a reload and the address bar pasted into a new tab still reach the engine', async ({ page, context }) => {
  await page.goto(server.openUrl);
  await expect(page).toHaveURL(/\/$/); // taken out of the address bar, where a screen share would show it
  await expectWorking(page, 'first');

  await page.reload();
  await expectWorking(page, 'after-reload');

  const copied = page.url();
  const newTab = await context.newPage();
  await newTab.goto(copied);
  await expectWorking(newTab, 'new-tab');
  // A cookie would go to every port of 127.0.0.1, other local servers included.
  expect(await newTab.evaluate(() => document.cookie)).toBe('');
});

test('without a token, or with a refused one, the page says to open the URL the server printed', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(new URL('/', server.openUrl).href);
  await expectTokenAdvice(page);

  // A token from an earlier run of the server is refused, said so, and not kept for the next load.
  await page.goto(new URL('/?token=from-an-earlier-run', server.openUrl).href);
  await expectTokenAdvice(page);
  await page.reload();
  await expect(page.getByTestId('error-banner')).toContainText('has no session token');

  // The printed URL still works in that tab.
  await page.goto(server.openUrl);
  await expectWorking(page, 'fresh');
  await context.close();
});

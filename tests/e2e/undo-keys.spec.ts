/**
 * Undo and redo from the keyboard wherever the label view has a pop-up open (the large view, the suggestion
 * queue, "more like this", a confirmation, a class's menu, the class picker), never while a text field is being
 * typed in; and the undo of a label CSV import, which takes away the classes the import created.
 */
import { test, expect, type Locator, type Page } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SampleFolder } from '../../src/main/engine/sample/generate-sample';
import type { ClassInfo, ImageItem, ProjectStatus } from '../../src/shared/contract';
import { startEmbeddedSampleServer, type StudioServer } from './studio-server';

// The page's global its script below uses: this program's TypeScript has no DOM library, and this stays in this file.
declare const window: { fetch: typeof fetch; sentCommands?: string[] };

test.describe.configure({ mode: 'serial' });

const work = mkdtempSync(join(tmpdir(), 'simclr-e2e-undo-'));
let server: StudioServer;
let sample: SampleFolder;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  ({ server, sample } = await startEmbeddedSampleServer(work, 3));
});

test.afterAll(() => {
  server?.process.kill('SIGTERM');
});

const labelled = async () => (await server.api<ProjectStatus>('status')).labelled;
const tile = (page: Page, id: number): Locator => page.locator(`[data-testid="image-tile"][data-image-id="${id}"]`);
const chip = (page: Page, name: string): Locator => page.getByTestId('class-chip').filter({ hasText: name });

/** Every command the page sends, in order, recorded as it is sent (so a key that sent nothing can be told). */
async function recordCommands(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const sent: string[] = (window.sentCommands = []);
    const original = window.fetch.bind(window);
    window.fetch = (input, init) => {
      const match = /\/api\/call\/(\w+)/.exec(input instanceof Request ? input.url : String(input));
      if (match) sent.push(match[1]);
      return original(input, init);
    };
  });
  return () => page.evaluate(() => [...(window.sentCommands ?? [])]);
}

/** Presses each key in turn and waits until `shown` says what should follow it. */
async function pressAndSee(page: Page, shown: Locator, steps: [key: string, text: string][]): Promise<void> {
  for (const [key, text] of steps) {
    await page.keyboard.press(key);
    await expect(shown).toContainText(text);
  }
}

/** Presses a key and returns the undo and redo commands it sent. */
async function pressCounting(page: Page, sent: () => Promise<string[]>, key: string): Promise<string[]> {
  const before = (await sent()).length;
  await page.keyboard.press(key);
  return (await sent()).slice(before).filter((c) => c === 'undoLabels' || c === 'redoLabels');
}

test('undo and redo keys work in every pop-up of the label view, but not in a text field being typed in', async ({ page }) => {
  test.setTimeout(180_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const sent = await recordCommands(page);
  await page.goto(server.openUrl);
  await page.getByTestId('nav-label').click();
  for (const name of ['one', 'two']) {
    await page.getByTestId('class-name').fill(name);
    await page.getByTestId('class-create').click();
  }
  await expect(page.getByTestId('class-chip')).toHaveCount(2);
  const images = (await server.api<{ items: ImageItem[] }>('listImages', { limit: 100 })).items;

  // The large view: 1 labels, Ctrl+Z takes it back, Ctrl+Shift+Z and Ctrl+Y redo; the view follows.
  await tile(page, images[0].id).click();
  await page.keyboard.press('Enter');
  const viewed = page.getByTestId('viewer-image');
  await expect(viewed).toHaveAttribute('data-image-id', String(images[0].id));
  await pressAndSee(page, viewed, [['1', 'one'], ['Control+z', 'unlabelled']]);
  expect(await labelled()).toBe(0);
  await pressAndSee(page, viewed, [['Control+Shift+z', 'one'], ['Control+z', 'unlabelled'], ['Control+y', 'one']]);
  expect(await labelled()).toBe(1);

  // "More like this" from the large view: label a neighbour with 2, undo shows it unlabelled again.
  await page.getByTestId('more-like-this').click();
  const neighbour = page.getByTestId('similar-tile').nth(1);
  await neighbour.click();
  await pressAndSee(page, neighbour, [['2', 'two'], ['Control+z', 'unlabelled']]);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('similar-dialog')).toHaveCount(0);

  // The suggestion queue: label one, go back to it, undo: the queue shows it unlabelled; redo labels it again.
  await page.getByTestId('suggestions-open').click();
  const current = page.getByTestId('suggestion-current');
  const suggested = (await current.getAttribute('data-image-id'))!;
  await page.keyboard.press('2');
  await expect(current).not.toHaveAttribute('data-image-id', suggested);
  await page.keyboard.press('ArrowLeft');
  await expect(current).toHaveAttribute('data-image-id', suggested);
  await expect(current).toContainText('two');
  await pressAndSee(page, current, [['Control+z', 'unlabelled'], ['Control+Shift+z', 'two']]);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('suggestion-queue')).toHaveCount(0);
  expect(await labelled()).toBe(2);

  // A confirmation dialog (delete a class) is open: undo still works underneath it.
  await page.locator('[data-testid="class-menu"]').first().click();
  await page.getByTestId('class-delete').click();
  await expect(page.getByTestId('confirm-dialog')).toBeVisible();
  await page.keyboard.press('Control+z');
  await expect.poll(labelled).toBe(1);
  await page.getByTestId('confirm-cancel').click();
  await expect(page.getByTestId('confirm-dialog')).toHaveCount(0);

  // A class's menu: on a menu item the keys undo and redo; in its rename field they are the field's own.
  await page.locator('[data-testid="class-menu"]').first().click();
  await page.getByTestId('class-rename').focus();
  expect(await pressCounting(page, sent, 'Control+Shift+z')).toEqual(['redoLabels']);
  await expect.poll(labelled).toBe(2);
  await page.getByTestId('class-rename').click();
  const renameField = page.getByTestId('class-rename-input');
  await expect(renameField).toBeFocused();
  await page.keyboard.type('ish');
  expect(await pressCounting(page, sent, 'Control+z')).toEqual([]);
  expect(await pressCounting(page, sent, 'Control+y')).toEqual([]);
  await page.keyboard.press('Escape');
  expect(await labelled()).toBe(2);

  // The class picker, opened with "/" and nothing typed: undo works; once a name is being typed, it does not.
  await page.getByTestId('grid-count').click();
  await page.keyboard.press('/');
  await expect(page.getByTestId('class-picker')).toBeFocused();
  expect(await pressCounting(page, sent, 'Control+z')).toEqual(['undoLabels']);
  await expect.poll(labelled).toBe(1);
  await page.keyboard.type('tw');
  expect(await pressCounting(page, sent, 'Control+Shift+z')).toEqual([]);
  expect(await labelled()).toBe(1);
  expect(pageErrors).toEqual([]);
});

test('undoing a label CSV import from the keyboard removes the classes it created; redo brings them back', async ({ page }) => {
  await page.goto(server.openUrl);
  await page.getByTestId('nav-label').click();
  await expect(page.getByTestId('class-chip')).toHaveCount(2);
  await page.getByText('Import labels from a CSV file').click();
  await page.getByTestId('labels-csv-path').fill(sample.labelsCsv);
  await page.getByTestId('labels-csv-import').click();
  await expect(page.getByTestId('labels-csv-result')).toContainText('Labelled 12 images');
  await expect(page.getByTestId('class-chip')).toHaveCount(2 + sample.classes.length);
  for (const name of sample.classes) await expect(chip(page, name)).toContainText('6');

  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('class-chip')).toHaveCount(2);
  const left = await server.api<ClassInfo[]>('listClasses');
  expect(left.map((c) => c.name)).toEqual(['one', 'two']);

  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByTestId('class-chip')).toHaveCount(2 + sample.classes.length);
  for (const name of sample.classes) await expect(chip(page, name)).toContainText('6');
  expect(await labelled()).toBe(12);
});

/**
 * Several folders imported in one action, in Debian's Chromium against the real server: typed one per line (and
 * added by browsing) in the browser UI, and dropped onto the window the way the desktop shell passes them.
 */
import { test, expect, type Page } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleFolder } from '../../src/main/engine/sample/generate-sample';
import type { ProjectStatus } from '../../src/shared/contract';
import { startStudioServer, type StudioServer } from './studio-server';

// The page's globals its scripts below use: this program's TypeScript has no DOM library, and these stay in this file.
declare const window: object;
declare const location: { origin: string };
declare const document: { body: { dispatchEvent(event: DragEvent): boolean } };
declare class DataTransfer {
  readonly items: { add(file: File): void };
}
declare class DragEvent {
  constructor(type: string, init: { dataTransfer: DataTransfer; bubbles: boolean; cancelable: boolean });
}

test.describe.configure({ mode: 'serial' });

const work = mkdtempSync(join(tmpdir(), 'simclr-e2e-several-'));
/** Four small folders of distinct images (a seed each): two typed, two dropped. */
const folders = { a: join(work, 'a'), b: join(work, 'b'), c: join(work, 'c'), d: join(work, 'd') };
const perFolder = 6;

let server: StudioServer;

test.beforeAll(async () => {
  let seed = 20;
  for (const dir of Object.values(folders)) await generateSampleFolder(dir, { perClass: perFolder / 2, classes: 2, size: 24, seed: seed++ });
  server = await startStudioServer();
});

test.afterAll(() => {
  server?.process.kill('SIGTERM');
});

async function openNewProject(page: Page, name: string): Promise<void> {
  await page.getByTestId('nav-project').click();
  await page.getByTestId('project-path').fill(join(work, name));
  await page.getByTestId('project-open').click();
  await expect(page.getByTestId('project-summary')).toBeVisible();
}

/** Drags the named entries of the work folder over the window, as a file manager does. */
async function dragFolders(page: Page, type: 'dragenter' | 'drop', names: string[]): Promise<void> {
  await page.evaluate(
    ({ type, names }) => {
      const data = new DataTransfer();
      for (const name of names) data.items.add(new File([], name));
      document.body.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    },
    { type, names },
  );
}

async function expectProjectHolds(roots: string[]): Promise<void> {
  const status = await server.api<ProjectStatus>('status');
  expect(status.roots).toEqual(roots);
  expect(status.images).toBe(perFolder * roots.length);
}

test('two folders, one typed and one added by browsing, import in one action', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(server.openUrl);
  await openNewProject(page, 'typed');
  await page.getByTestId('nav-import').click();

  // Type the first folder, then browse from it to its sibling and add that one to the list.
  await page.getByTestId('import-path').fill(folders.a);
  await page.getByRole('button', { name: 'Hide folders' }).click();
  await page.getByRole('button', { name: 'Browse…' }).click();
  await page.getByTestId('dir-up').click();
  await page.locator(`[data-testid="dir-entry"][title="${folders.b}"]`).click();
  await page.getByTestId('dir-add').click();
  await expect(page.getByTestId('import-path')).toHaveValue(`${folders.a}\n${folders.b}`);

  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-result')).toContainText(`imported ${2 * perFolder}`, { ignoreCase: true });
  await expectProjectHolds([folders.a, folders.b]);
  await expect(page.getByText('from 2 folders')).toBeVisible();
  await expect(page.getByTestId('import-rescan')).toHaveCount(2);
  expect(pageErrors).toEqual([]);
});

test('two folders dropped onto the window import together, through the path the desktop bridge gives a dropped item', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // The desktop preload's bridge, carried over HTTP: the renderer takes its IPC path and asks the bridge for
  // each dropped item's place on disk, as webUtils.getPathForFile answers in the shell.
  const token = new URL(server.openUrl).searchParams.get('token')!;
  await page.addInitScript(
    ({ token, root }) => {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
      const query = `?token=${encodeURIComponent(token)}`;
      Object.assign(window, {
        studioBridge: {
          async call(command: string, args: unknown) {
            const response = await fetch(`/api/call/${command}`, { method: 'POST', headers, body: JSON.stringify(args ?? {}) });
            const body = (await response.json()) as { error?: string };
            // What the shell's ipcMain handler answers: a reply, never a throw.
            return response.ok ? { status: 200, value: body } : { status: response.status, error: body.error ?? `HTTP ${response.status}` };
          },
          listen(handler: (event: string, payload: unknown) => void) {
            const socket = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/api/events${query}`);
            socket.onmessage = (message) => {
              const { event, payload } = JSON.parse(String(message.data)) as { event: string; payload: unknown };
              handler(event, payload);
            };
            return () => socket.close();
          },
          thumbnailUrl: (imageId: number) => `/thumbnails/${imageId}.webp${query}`,
          imageUrl: (imageId: number) => `/images/${imageId}.webp${query}`,
          pathForFile: (file: File) => `${root}/${file.name}`,
        },
      });
    },
    { token, root: work },
  );
  await page.goto(server.openUrl);
  await expect(page.getByText('Desktop · engine connected')).toBeVisible();
  await openNewProject(page, 'dropped');

  // Two folder entries dragged in and dropped anywhere on the window.
  await dragFolders(page, 'dragenter', ['c', 'd']);
  await expect(page.getByText('Drop folders or images to import them')).toBeVisible();
  await dragFolders(page, 'drop', ['c', 'd']);
  await expect(page.getByTestId('import-result')).toContainText(`imported ${2 * perFolder}`, { ignoreCase: true });
  await expectProjectHolds([folders.c, folders.d]);
  expect(pageErrors).toEqual([]);
});

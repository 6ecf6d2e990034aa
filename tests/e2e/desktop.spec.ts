/**
 * The desktop shell under Playwright's Electron driver. It needs the Electron binary, which `npm install`
 * downloads where it can; without it the test is skipped and says why.
 */
import { test, expect, _electron as electron } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { electronBinaryPath } from '../../scripts/electron-binary.mjs';

const binary = electronBinaryPath();

test('the desktop window opens a project through IPC', async () => {
  test.skip(!binary, 'Electron binary not installed (its download was unavailable at npm install); the browser UI is tested instead');
  const app = await electron.launch({ executablePath: binary!, args: ['--no-sandbox', '.'] });
  const window = await app.firstWindow();
  await expect(window).toHaveTitle(/SimCLR Studio/);
  await window.getByTestId('nav-project').click();
  await window.getByTestId('project-path').fill(join(mkdtempSync(join(tmpdir(), 'simclr-desktop-')), 'project'));
  await window.getByTestId('project-open').click();
  await expect(window.getByTestId('project-summary')).toBeVisible();
  await app.close();
});

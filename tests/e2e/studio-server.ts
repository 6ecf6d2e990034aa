/** The real server as the CLI starts it (`simclr-studio serve`), for end-to-end tests, and its HTTP API. */
import { expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface StudioServer {
  process: ChildProcess;
  /** The browser UI's address, with the token in it. */
  openUrl: string;
  /** Calls a command the way the UI does; the test's own ground truth. */
  api<T>(command: string, args?: object): Promise<T>;
}

export async function startStudioServer(): Promise<StudioServer> {
  const child = spawn(process.execPath, ['bin/simclr-studio.mjs', 'serve', '--port', '0', '--json'], {
    env: { ...process.env, SIMCLR_BACKEND: 'wasm' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let openUrl = '';
  let token = '';
  for await (const line of createInterface({ input: child.stdout! })) {
    if (!line.startsWith('{')) continue;
    ({ openUrl, token } = JSON.parse(line) as { openUrl: string; token: string });
    break;
  }
  expect(openUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
  async function api<T>(command: string, args: object = {}): Promise<T> {
    const response = await fetch(new URL(`/api/call/${command}`, openUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(args),
    });
    expect(response.ok, `${command}: ${response.status}`).toBe(true);
    return (await response.json()) as T;
  }
  return { process: child, openUrl, api };
}

/** Opens a project folder (creating the project) in the UI's Project view, as a user does. */
export async function openProjectInUi(page: Page, dir: string): Promise<void> {
  await page.getByTestId('nav-project').click();
  await page.getByTestId('project-path').fill(dir);
  await page.getByTestId('project-open').click();
  await expect(page.getByTestId('project-summary')).toBeVisible();
}

/** The real server as the CLI starts it (`simclr-studio serve`), for end-to-end tests, and its HTTP API. */
import { expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { generateSampleFolder, type SampleFolder, type SampleOptions } from '../../src/main/engine/sample/generate-sample';

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

/** Waits until the engine runs no job. */
export async function finishJob(server: StudioServer): Promise<void> {
  await expect
    .poll(async () => (await server.api<{ activeJob: { kind: string } | null }>('status')).activeJob?.kind ?? null, {
      timeout: 180_000,
      intervals: [300],
    })
    .toBeNull();
}

/** The server with a project in `work` of a generated sample, imported (not yet pretrained). */
export async function startImportedSampleServer(work: string, options: SampleOptions): Promise<{ server: StudioServer; sample: SampleFolder }> {
  const sample = await generateSampleFolder(join(work, 'sample'), options);
  const server = await startStudioServer();
  await server.api('openProject', { dir: join(work, 'project') });
  await server.api('importFolder', { folder: sample.dir });
  await finishJob(server);
  return { server, sample };
}

/**
 * The server with a project in `work` of a small generated sample, imported, pretrained with a tiny encoder and
 * embedded: what the suggestion queue and "more like this" need.
 */
export async function startEmbeddedSampleServer(work: string, seed: number): Promise<{ server: StudioServer; sample: SampleFolder }> {
  const { server, sample } = await startImportedSampleServer(work, { perClass: 6, classes: 2, size: 32, seed });
  await server.api('startPretrain', { encoder: 'resnet-tiny', epochs: 1, batchSize: 12, imageSize: 16 });
  await finishJob(server);
  await server.api('startEmbed', {});
  await finishJob(server);
  return { server, sample };
}

/** Opens a project folder (creating the project) in the UI's Project view, as a user does. */
export async function openProjectInUi(page: Page, dir: string): Promise<void> {
  await page.getByTestId('nav-project').click();
  await page.getByTestId('project-path').fill(dir);
  await page.getByTestId('project-open').click();
  await expect(page.getByTestId('project-summary')).toBeVisible();
}

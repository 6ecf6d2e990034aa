import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';
import { Engine } from '../../../src/main/engine/engine';
import { startHttpServer, type RunningServer } from '../../../src/main/transports/http-server';
import { previewSide } from '../../../src/shared/client';
import { httpRoutes } from '../../../src/shared/wire';
import sharp from 'sharp';
import { tempDir, writeImage } from '../../helpers/images';

const engine = new Engine();
let server: RunningServer;
after(async () => {
  await server?.close();
  engine.close();
});

async function call(command: string, args: unknown, token = server.token) {
  const response = await fetch(server.url + httpRoutes.call(command), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(args),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('the server binds to loopback and prints a URL carrying its token', async () => {
  server = await startHttpServer({ engine, port: 0 });
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(server.openUrl, `${server.url}/?token=${server.token}`);
  assert.ok(server.token.length >= 24);
});

test('calls without the right token are refused', async () => {
  const response = await call('status', {}, 'wrong-token-wrong-token-wrong-token');
  assert.equal(response.status, 401);
});

test('a request with a foreign Host header is refused (DNS rebinding)', async () => {
  const status = await new Promise<number>((resolve, reject) => {
    const url = new URL(server.url + httpRoutes.call('status'));
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { host: 'evil.example:80', authorization: `Bearer ${server.token}` } },
      (res) => resolve(res.statusCode ?? 0),
    );
    req.on('error', reject);
    req.end('{}');
  });
  assert.equal(status, 403);
});

test('unknown commands are 404 and bad arguments are 400 with a readable reason', async () => {
  assert.equal((await call('formatDisk', {})).status, 404);
  const bad = await call('openProject', { dir: 42 });
  assert.equal(bad.status, 400);
  assert.match(String(bad.body.error), /Invalid arguments for openProject: dir:/);
});

test('a call reaches the engine and its events arrive over the WebSocket', async () => {
  const project = join(tempDir(), 'project');
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}${httpRoutes.events}?token=${server.token}`);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const events: { event: string; payload: unknown }[] = [];
  socket.on('message', (data) => events.push(JSON.parse(String(data))));

  const opened = await call('openProject', { dir: project });
  assert.equal(opened.status, 200);
  assert.equal(opened.body.project, project);
  const created = await call('createClass', { name: 'cat' });
  assert.equal(created.body.name, 'cat');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(
    events.map((e) => e.payload),
    [{ what: 'project' }, { what: 'classes' }],
  );
  socket.close();
});

test('the events socket refuses a connection without the token', async () => {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}${httpRoutes.events}`);
  const outcome = await new Promise<string>((resolve) => {
    socket.once('open', () => resolve('open'));
    socket.once('error', () => resolve('refused'));
  });
  assert.equal(outcome, 'refused');
});

test('an import job runs to the end and its thumbnails are served with the token only', async () => {
  const folder = join(tempDir(), 'photos');
  await writeImage(join(folder, 'one.png'), { rgb: [5, 6, 7] });
  const started = await call('importFolder', { folder });
  assert.equal(started.body.kind, 'import');
  const final = await engine.waitForJob(String(started.body.id));
  assert.equal(final.state, 'done');
  assert.deepEqual(final.result, { imported: 1, duplicates: 0, failed: [], added: 1, changed: 0, missing: 0, moved: 0, labelled: 0 });
  const thumbnail = await fetch(`${server.url}${httpRoutes.image('thumbnails', 1)}?token=${server.token}`);
  assert.equal(thumbnail.status, 200);
  assert.equal(thumbnail.headers.get('content-type'), 'image/webp');
  assert.equal((await fetch(`${server.url}${httpRoutes.image('thumbnails', 1)}`)).status, 401);
});

test('the large view gets the image itself at viewing size, upright, with the token only', async () => {
  const folder = join(tempDir(), 'large');
  await writeImage(join(folder, 'wide.jpg'), { rgb: [50, 90, 200], format: 'jpeg', width: 1600, height: 400 });
  const final = await engine.waitForJob((await engine.importFolder({ folder, labelsFromSubfolders: false })).id);
  assert.equal(final.state, 'done');
  const id = (await engine.listImages({ filter: 'all', sort: 'imported', maxConfidence: 0.6, unlabelledOnly: false, offset: 0, limit: 10 })).items.find((i) => i.relPath === 'wide.jpg')!.id;
  const response = await fetch(`${server.url}${httpRoutes.image('images', id)}?token=${server.token}`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'image/webp');
  const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
  assert.deepEqual([meta.width, meta.height], [previewSide, previewSide / 4]);
  assert.equal((await fetch(`${server.url}${httpRoutes.image('images', id)}`)).status, 401);
  assert.equal((await fetch(`${server.url}${httpRoutes.image('images', 9999)}?token=${server.token}`)).status, 404);
});

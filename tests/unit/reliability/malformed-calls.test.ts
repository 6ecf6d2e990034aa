/**
 * Malformed API calls against the real server on a real project: each is a 4xx with a message naming what is
 * wrong, never a 500, and the server stays up and keeps its data. The same contract check serves IPC, which
 * calls the engine the same way (engine.call), so the in-process transport is checked against it too.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Engine } from '../../../src/main/engine/engine';
import { replyToCall } from '../../../src/main/transports/replies';
import { tempDir, writeImage } from '../../helpers/images';
import { startStudio, waitUntil, type StudioProcess } from '../../helpers/studio-process';

const work = tempDir('simclr-malformed-');
const project = join(work, 'project');
const photos = join(work, 'photos');
let studio: StudioProcess;
let classId: number;

before(async () => {
  for (let i = 0; i < 4; i++) await writeImage(join(photos, `p${i}.png`), { rgb: [40 * i, 90, 200 - 30 * i] });
  studio = await startStudio(project);
  await studio.ok('importFolder', { folder: photos });
  await waitUntil('the import is done', async () => ((await studio.ok<{ images: number; activeJob: unknown }>('status')).activeJob === null));
  classId = (await studio.ok<{ id: number }>('createClass', { name: 'cat' })).id;
  await studio.ok('setLabels', { imageIds: [1, 2], classId });
});
after(() => studio.stop());

/** Each bad call with the status range it must get and a word its message must contain. */
const badCalls: { what: string; command: string; args: unknown; status: number; mentions: RegExp }[] = [
  { what: 'a string where ids go', command: 'setLabels', args: { imageIds: 'all', classId: 1 }, status: 400, mentions: /imageIds/ },
  { what: 'a float id', command: 'setLabels', args: { imageIds: [1.5], classId: 1 }, status: 400, mentions: /imageIds/ },
  { what: 'an unknown field', command: 'setLabels', args: { imageIds: [1], classId: 1, colour: 'red' }, status: 400, mentions: /colour/ },
  { what: 'an unknown field in nested options', command: 'startPretrain', args: { augment: { flipProbability: 0.5 } }, status: 400, mentions: /flipProbability/ },
  { what: 'a misspelt option', command: 'startFinetune', args: { epoch: 3 }, status: 400, mentions: /epoch/ },
  { what: 'arguments that are an array', command: 'listImages', args: [1, 2], status: 400, mentions: /arguments/ },
  { what: 'arguments that are a number', command: 'status', args: 42, status: 400, mentions: /arguments/ },
  { what: 'a missing image id', command: 'setLabels', args: { imageIds: [1, 99_999], classId: 1 }, status: 400, mentions: /99999/ },
  { what: 'a missing class id', command: 'setLabels', args: { imageIds: [1], classId: 424_242 }, status: 400, mentions: /424242/ },
  { what: 'a huge array of missing ids', command: 'setLabels', args: { imageIds: Array.from({ length: 100_000 }, (_, i) => i + 1000), classId: 1 }, status: 400, mentions: /1000/ },
  { what: 'an array past its limit', command: 'getImages', args: { imageIds: Array.from({ length: 5001 }, (_, i) => i) }, status: 400, mentions: /imageIds/ },
  { what: 'an import of a file, not a folder', command: 'importFolder', args: { folder: join(photos, 'p0.png') }, status: 400, mentions: /not a folder/ },
  { what: 'an import of a folder that is not there', command: 'importFolder', args: { folder: join(work, 'nowhere') }, status: 400, mentions: /nowhere/ },
  { what: 'a listing of a file', command: 'listDirectory', args: { path: join(photos, 'p0.png') }, status: 400, mentions: /not a folder/ },
  { what: 'an unknown command', command: 'formatDisk', args: {}, status: 404, mentions: /formatDisk/ },
  { what: "an Object member's name as command", command: 'constructor', args: {}, status: 404, mentions: /constructor/ },
  { what: 'a prototype as command', command: '__proto__', args: {}, status: 404, mentions: /__proto__/ },
  { what: 'a malformed escape in the command', command: '%E0%A4%A', args: {}, status: 400, mentions: /escape/ },
];

for (const bad of badCalls) {
  test(`${bad.what} (${bad.command}) is a ${bad.status} with a reason`, async () => {
    const reply = await studio.call<{ error?: string }>(bad.command, bad.args);
    assert.equal(reply.status, bad.status, JSON.stringify(reply.body).slice(0, 300));
    assert.match(reply.body.error ?? '', bad.mentions);
    assert.doesNotMatch(reply.body.error ?? '', /\n\s+at /, 'no stack trace');
  });
}

const badRequests: { what: string; path: string; body: string | Buffer; status: number }[] = [
  { what: 'a body that is not JSON', path: '/api/call/status', body: '{"dir": ', status: 400 },
  { what: 'a body of binary bytes', path: '/api/call/setLabels', body: Buffer.from([0xff, 0xfe, 0x00, 0x01]), status: 400 },
  { what: 'a body over the size limit', path: '/api/call/setLabels', body: `{"imageIds":[${'1,'.repeat(700_000)}1],"classId":1}`, status: 413 },
];
for (const bad of badRequests) {
  test(`${bad.what} is a ${bad.status}`, async () => {
    const reply = await studio.post(bad.path, bad.body);
    assert.equal(reply.status, bad.status, JSON.stringify(reply.body).slice(0, 300));
    assert.ok((reply.body as { error?: string }).error, 'with a message');
  });
}

const badUrls = ['/images/..%2F..%2F..%2Fetc%2Fpasswd', '/thumbnails/..%2Fproject.sqlite', '/images/1.webp%00.png', '/images/abc.webp', '/images/99999.webp'];
for (const path of badUrls) {
  test(`the image URL ${path} is a 404, not a file outside the project`, async () => {
    const response = await fetch(new URL(`${path}?token=${studio.token}`, studio.url));
    assert.equal(response.status, 404);
    assert.match(response.headers.get('content-type') ?? '', /json/);
  });
}

test('after every bad call the server is up and nothing is lost', async () => {
  assert.equal(studio.child.exitCode, null);
  const status = await studio.ok<{ images: number; labelled: number }>('status');
  assert.deepEqual({ images: status.images, labelled: status.labelled }, { images: 4, labelled: 2 });
  console.log(`bad inputs tried: ${badCalls.length + badRequests.length + badUrls.length}; labels lost: ${2 - status.labelled}`);
});

test("the desktop shell's IPC reply (no HTTP) refuses the same bad arguments with the same 4xx errors", async () => {
  const engine = new Engine();
  try {
    for (const bad of badCalls.filter((b) => !/missing|import|listing|escape/.test(b.what))) {
      const reply = await replyToCall(engine, bad.command, bad.args);
      assert.ok('error' in reply, `${bad.what} is refused`);
      assert.equal(reply.status, bad.status === 404 ? 404 : 400, bad.what);
    }
  } finally {
    engine.close();
  }
});

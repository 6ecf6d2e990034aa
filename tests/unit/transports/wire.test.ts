/** The wire both transports share: image addresses over HTTP and the shell's scheme, and how a reply's error travels. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallError, httpRoutes, imageScheme, parseImageAddress, schemeImageAddress, schemeImageUrl, valueOfReply } from '../../../src/shared/wire';

test('an image is addressed the same way over HTTP and over the desktop scheme', () => {
  assert.equal(httpRoutes.image('thumbnails', 12), '/thumbnails/12.webp');
  assert.equal(schemeImageUrl('images', 7), `${imageScheme}://images/7.webp`);
  for (const [kind, id] of [['thumbnails', 12], ['images', 7]] as const) {
    assert.deepEqual(parseImageAddress(httpRoutes.image(kind, id)), { kind, imageId: id });
    assert.deepEqual(parseImageAddress(schemeImageAddress(new URL(schemeImageUrl(kind, id)))), { kind, imageId: id });
  }
  // Under an image route but naming no id: malformed, so the server says how images are addressed.
  for (const path of ['/images/../../etc/passwd', '/thumbnails/cat.webp', '/images/12.png', '/images/']) assert.equal(parseImageAddress(path), 'malformed', path);
  for (const path of ['/', '/index.html', '/api/call/status', '/imagesx/1.webp']) assert.equal(parseImageAddress(path), null, path);
});

test("a reply's value comes back as it was; its error is thrown with the message and status", () => {
  assert.deepEqual(valueOfReply({ status: 200, value: { images: 3 } }), { images: 3 });
  assert.equal(valueOfReply({ status: 200, value: null }), null);
  assert.throws(
    () => valueOfReply({ status: 400, error: 'photo.jpg: not an image' }),
    (error: unknown) => error instanceof CallError && error.message === 'photo.jpg: not an image' && error.status === 400,
  );
});

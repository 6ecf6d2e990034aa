/** The desktop renderer's custom scheme: which files it serves, whose IPC the shell trusts, and its CSP. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appContentSecurityPolicy, appEntryUrl, isAppAddress, rendererFileFor } from '../../../src/main/shell/app-scheme';
import { projectRoot } from '../../helpers/packaging';

const root = '/opt/SimCLR Studio/resources/app.asar/out/renderer';

test('app addresses map into the renderer build and nowhere else', () => {
  assert.equal(rendererFileFor(appEntryUrl, root), `${root}/index.html`);
  assert.equal(rendererFileFor('studio-app://renderer/', root), `${root}/index.html`);
  assert.equal(rendererFileFor('studio-app://renderer/assets/index-abc.js?v=1#x', root), `${root}/assets/index-abc.js`);
  assert.equal(rendererFileFor('studio-app://renderer/assets/a%20b.css', root), `${root}/assets/a b.css`);
  // The URL parser already folds plain `..`; an encoded slash survives it and must be refused here.
  assert.equal(rendererFileFor('studio-app://renderer/../../etc/passwd', root), `${root}/etc/passwd`);
  assert.equal(rendererFileFor('studio-app://renderer/..%2F..%2Fetc%2Fpasswd', root), null);
  assert.equal(rendererFileFor('studio-app://renderer/%E0%A4%A', root), null, 'malformed escapes');
  assert.equal(rendererFileFor('studio-app://renderer/a%00b', root), null);
  assert.equal(rendererFileFor('studio-app://elsewhere/index.html', root), null);
  assert.equal(rendererFileFor('file:///etc/passwd', root), null);
  assert.equal(rendererFileFor('not a url', root), null);
});

test('only the app itself, or the dev server when one is set, is trusted', () => {
  assert.equal(isAppAddress(appEntryUrl), true);
  assert.equal(isAppAddress('studio-app://renderer/index.html#/map'), true);
  assert.equal(isAppAddress('studio-app://other/index.html'), false);
  assert.equal(isAppAddress('https://example.com/'), false);
  assert.equal(isAppAddress('file:///opt/app/out/renderer/index.html'), false);
  assert.equal(isAppAddress(undefined), false);
  assert.equal(isAppAddress('http://localhost:5173/#/map', 'http://localhost:5173'), true);
  assert.equal(isAppAddress('http://localhost:5174/', 'http://localhost:5173'), false);
  assert.equal(isAppAddress('http://localhost:5173/', undefined), false, 'no dev server, no localhost');
});

test("the scheme's policy header is the renderer's own meta policy", () => {
  const html = readFileSync(join(projectRoot, 'src/renderer/index.html'), 'utf8');
  const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
  assert.equal(meta?.[1], appContentSecurityPolicy);
});

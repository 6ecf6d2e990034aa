import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureChromium, findChromium, installPlan, noChromiumSentence, type InstallPlan, type Machine } from '../../../scripts/chromium.mjs';

const only = (...paths: string[]) => (path: string) => paths.includes(path);
const noPlaywright = () => null;

test('a Chromium named in the environment wins, in the order CHROMIUM_PATH, PLAYWRIGHT_…, CHROME_PATH', () => {
  const env = { CHROME_PATH: '/opt/chrome', CHROMIUM_PATH: '/opt/chromium' };
  const found = findChromium({ env, platform: 'linux', exists: only('/opt/chrome', '/opt/chromium', '/usr/bin/chromium'), playwrightPath: noPlaywright });
  assert.deepEqual(found, { path: '/opt/chromium', source: 'CHROMIUM_PATH' });
});

test('a variable naming a missing file finds nothing rather than quietly taking another browser', () => {
  const found = findChromium({ env: { CHROMIUM_PATH: '/nowhere/chromium' }, platform: 'linux', exists: only('/usr/bin/chromium'), playwrightPath: noPlaywright });
  assert.equal(found, null);
});

test("Playwright's own browser comes before the system's, and only when it is downloaded", () => {
  const pw = () => '/home/u/.cache/ms-playwright/chromium-1/chrome';
  assert.equal(findChromium({ env: {}, platform: 'linux', exists: only(pw(), '/usr/bin/chromium'), playwrightPath: pw })?.source, "Playwright's browser");
  assert.deepEqual(findChromium({ env: {}, platform: 'linux', exists: only('/usr/bin/chromium-browser'), playwrightPath: pw }), {
    path: '/usr/bin/chromium-browser',
    source: 'the system',
  });
  assert.equal(findChromium({ env: {}, platform: 'darwin', exists: only('/usr/bin/chromium'), playwrightPath: pw }), null);
});

test('root on Debian installs what is missing with apt; anyone else without a browser uses Playwright; else nothing', () => {
  const debianRoot = { platform: 'linux', isRoot: true, hasApt: true };
  assert.deepEqual(installPlan({ ...debianRoot, needBrowser: true, missingPackages: ['chromium', 'libvulkan1'] }), { tool: 'apt-get', packages: ['chromium', 'libvulkan1'] });
  // A browser is there but the Vulkan loader for the WebGPU tests is not.
  assert.deepEqual(installPlan({ ...debianRoot, needBrowser: false, missingPackages: ['libvulkan1'] }), { tool: 'apt-get', packages: ['libvulkan1'] });
  assert.deepEqual(installPlan({ ...debianRoot, isRoot: false, needBrowser: true, missingPackages: ['chromium'] }), { tool: 'playwright', packages: ['chromium'] });
  assert.deepEqual(installPlan({ platform: 'darwin', isRoot: false, hasApt: false, needBrowser: true, missingPackages: [] }), { tool: 'playwright', packages: ['chromium'] });
  assert.equal(installPlan({ ...debianRoot, needBrowser: false, missingPackages: [] }), null);
  assert.equal(installPlan({ platform: 'darwin', isRoot: false, hasApt: false, needBrowser: false, missingPackages: [] }), null);
});

function ensureWith(found: { path: string; source: string } | null, machine: Partial<Machine>, installs: (plan: InstallPlan) => boolean) {
  const lines: string[] = [];
  const plans: InstallPlan[] = [];
  let present = found;
  const code = ensureChromium({
    env: {},
    find: () => present,
    machine: (needBrowser) => ({ platform: 'linux', isRoot: false, hasApt: false, missingPackages: [], ...machine, needBrowser }),
    install: (plan) => {
      plans.push(plan);
      const ok = installs(plan);
      if (ok) present = { path: '/usr/bin/chromium', source: 'the system' };
      return { ok, log: '/tmp/install.log' };
    },
    out: (line) => lines.push(`out: ${line}`),
    err: (line) => lines.push(`err: ${line}`),
  });
  return { code, lines, plans };
}

test('with everything there the pretest step installs nothing and says nothing', () => {
  assert.deepEqual(ensureWith({ path: '/usr/bin/chromium', source: 'the system' }, {}, () => assert.fail('no install')), { code: 0, lines: [], plans: [] });
});

test('root on Debian without a browser gets it from apt, told in one line', () => {
  const run = ensureWith(null, { isRoot: true, hasApt: true, missingPackages: ['chromium', 'libvulkan1'] }, () => true);
  assert.equal(run.code, 0);
  assert.deepEqual(run.plans, [{ tool: 'apt-get', packages: ['chromium', 'libvulkan1'] }]);
  assert.deepEqual(run.lines, ['out: simclr-studio: installed chromium, libvulkan1 with apt-get for the tests; the browser is /usr/bin/chromium.']);
});

test("an installer that fails ends in one line: what failed, where its output is, and the command to run", () => {
  const run = ensureWith(null, {}, () => false);
  assert.equal(run.code, 1);
  assert.equal(run.lines.length, 1);
  assert.ok(run.lines[0].startsWith('err: simclr-studio: playwright could not install chromium (its output: /tmp/install.log).'), run.lines[0]);
  assert.ok(run.lines[0].endsWith(noChromiumSentence));
});

test('CHROMIUM_PATH naming a missing file fails at once with one sentence, installing nothing', () => {
  const run = spawnSync(process.execPath, ['scripts/ensure-chromium.mjs'], { encoding: 'utf8', env: { ...process.env, CHROMIUM_PATH: '/nowhere/chromium' } });
  assert.equal(run.status, 1);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr, 'simclr-studio: CHROMIUM_PATH names /nowhere/chromium, which does not exist: point it at a Chromium or Chrome executable, or unset it.\n');
});

test('the pretest step with a browser in CHROMIUM_PATH and nothing left to install passes silently', () => {
  const fake = join(mkdtempSync(join(tmpdir(), 'simclr-chromium-')), 'chromium');
  writeFileSync(fake, '#!/bin/sh\n');
  chmodSync(fake, 0o755);
  const run = spawnSync(process.execPath, ['scripts/ensure-chromium.mjs'], { encoding: 'utf8', env: { ...process.env, CHROMIUM_PATH: fake } });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout + run.stderr, '');
});

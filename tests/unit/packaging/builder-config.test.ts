/** electron-builder.yml passes electron-builder's own schema check, and the icons it names are real icons. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadBuilderConfig, packagedFilePatterns, projectRoot, validateBuilderConfig } from '../../helpers/packaging';

type Platform = { target?: unknown[]; icon?: string };

test("the builder configuration passes electron-builder's schema check, which rejects a misspelt option", async () => {
  const config = await loadBuilderConfig();
  await validateBuilderConfig(config);
  await assert.rejects(validateBuilderConfig({ ...config, asarUnpak: ['node_modules/**'] }), /unknown property 'asarUnpak'/);
  await assert.rejects(validateBuilderConfig({ ...config, asar: 'yes' }), /asar/);
});

test('it builds AppImage and deb on Linux, a dmg on macOS and an NSIS installer on Windows, from the built app', async () => {
  const config = await loadBuilderConfig();
  assert.deepEqual((config.linux as Platform).target, ['AppImage', 'deb']);
  assert.deepEqual((config.mac as Platform).target, ['dmg']);
  assert.deepEqual((config.win as Platform).target, ['nsis']);
  const { main } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { main: string };
  assert.equal(main, './out/main/index.js');
  assert.ok(packagedFilePatterns(config).includes('out/**/*'), 'the build output is packaged');
  assert.equal(config.asar, true);
  assert.equal(config.npmRebuild, true, 'native modules are rebuilt for the packaged Electron');
});

test('the icons it names exist: a PNG set for Linux, an icns for macOS and an ico for Windows', async () => {
  const config = await loadBuilderConfig();
  const linuxIcons = join(projectRoot, (config.linux as Platform).icon!);
  for (const size of [16, 32, 48, 64, 128, 256, 512]) {
    const metadata = await sharp(join(linuxIcons, `${size}x${size}.png`)).metadata();
    assert.deepEqual([metadata.format, metadata.width, metadata.height], ['png', size, size]);
  }

  const icns = readFileSync(join(projectRoot, (config.mac as Platform).icon!));
  assert.equal(icns.toString('latin1', 0, 4), 'icns');
  assert.equal(icns.readUInt32BE(4), icns.length, 'the icns header gives the file length');
  const types: string[] = [];
  for (let offset = 8; offset < icns.length; offset += icns.readUInt32BE(offset + 4)) {
    types.push(icns.toString('latin1', offset, offset + 4));
    assert.equal(icns.readUInt32BE(offset + 8), 0x89504e47, `${types.at(-1)} holds a PNG`);
  }
  assert.ok(types.includes('ic10') && types.includes('ic09'), 'the 1024 and 512 px images macOS needs are there');

  const ico = readFileSync(join(projectRoot, (config.win as Platform).icon!));
  assert.deepEqual([ico.readUInt16LE(0), ico.readUInt16LE(2)], [0, 1], 'an ico directory');
  const sizes = Array.from({ length: ico.readUInt16LE(4) }, (_, index) => ico.readUInt8(6 + 16 * index) || 256);
  assert.ok(sizes.includes(256) && sizes.includes(16), `ico sizes ${sizes.join(', ')}`);
  for (let index = 0; index < sizes.length; index++) {
    const offset = ico.readUInt32LE(6 + 16 * index + 12);
    const metadata = await sharp(ico.subarray(offset, offset + ico.readUInt32LE(6 + 16 * index + 8))).metadata();
    assert.equal(metadata.width, sizes[index]);
  }
});

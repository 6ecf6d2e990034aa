// Renders resources/icon.svg into the icons electron-builder packs: a PNG set for Linux, icon.icns for macOS
// and icon.ico for Windows. Run after editing the SVG (`npm run icons`); the outputs are committed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const resources = join(dirname(fileURLToPath(import.meta.url)), '..', 'resources');
const svg = join(resources, 'icon.svg');

const render = (size) => sharp(svg, { density: (72 * size) / 1024 }).resize(size, size).png({ compressionLevel: 9 }).toBuffer();

// Apple's PNG-bearing icns types: https://en.wikipedia.org/wiki/Apple_Icon_Image_format#Icon_types
const icnsTypes = [
  ['icp4', 16], ['icp5', 32], ['ic11', 32], ['ic12', 64], ['ic07', 128], ['ic13', 256],
  ['ic08', 256], ['ic14', 512], ['ic09', 512], ['ic10', 1024],
];
const icoSizes = [16, 24, 32, 48, 64, 128, 256];
const linuxSizes = [16, 32, 48, 64, 128, 256, 512];

/** icns: 'icns' and the file length, then per entry its type, its length with this 8-byte header, and a PNG. */
export function icns(entries) {
  const blocks = entries.map(([type, png]) => {
    const header = Buffer.alloc(8);
    header.write(type, 0, 'latin1');
    header.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([header, png]);
  });
  const header = Buffer.alloc(8);
  header.write('icns', 0, 'latin1');
  header.writeUInt32BE(8 + blocks.reduce((sum, block) => sum + block.length, 0), 4);
  return Buffer.concat([header, ...blocks]);
}

/** ico with PNG-compressed images (Windows Vista and later): a 6-byte directory, 16 bytes per image, the PNGs. */
export function ico(images) {
  const directory = Buffer.alloc(6 + 16 * images.length);
  directory.writeUInt16LE(1, 2);
  directory.writeUInt16LE(images.length, 4);
  let offset = directory.length;
  images.forEach(([size, png], index) => {
    const entry = 6 + 16 * index;
    directory.writeUInt8(size >= 256 ? 0 : size, entry); // 0 means 256
    directory.writeUInt8(size >= 256 ? 0 : size, entry + 1);
    directory.writeUInt16LE(1, entry + 4); // colour planes
    directory.writeUInt16LE(32, entry + 6); // bits per pixel
    directory.writeUInt32LE(png.length, entry + 8);
    directory.writeUInt32LE(offset, entry + 12);
    offset += png.length;
  });
  return Buffer.concat([directory, ...images.map(([, png]) => png)]);
}

async function main() {
  const sizes = [...new Set([...icnsTypes.map(([, size]) => size), ...icoSizes, ...linuxSizes])];
  const pngs = new Map(await Promise.all(sizes.map(async (size) => [size, await render(size)])));
  writeFileSync(join(resources, 'icon.png'), pngs.get(1024));
  mkdirSync(join(resources, 'icons'), { recursive: true });
  for (const size of linuxSizes) writeFileSync(join(resources, 'icons', `${size}x${size}.png`), pngs.get(size));
  writeFileSync(join(resources, 'icon.icns'), icns(icnsTypes.map(([type, size]) => [type, pngs.get(size)])));
  writeFileSync(join(resources, 'icon.ico'), ico(icoSizes.map((size) => [size, pngs.get(size)])));
  console.log(`simclr-studio: icons written to ${resources}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();

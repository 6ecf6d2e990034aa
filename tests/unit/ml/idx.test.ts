import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseIdx, readIdxFile } from '../../../benchmarks/quality/idx';

/** A 2×2×3 unsigned-byte IDX file: magic 00 00 08 03, three big-endian uint32 dims, then 12 values. */
const values = [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255];
const idx = Uint8Array.from([0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, ...values]);

test('parseIdx reads the dimensions big-endian and the bytes row-major', () => {
  const { dims, data } = parseIdx(idx);
  assert.deepEqual(dims, [2, 2, 3]);
  assert.deepEqual(Array.from(data), values);
});

test('parseIdx reads a dimension above 255 (60000 = 0x0000EA60)', () => {
  const labels = new Uint8Array(8 + 60000).fill(7);
  labels.set([0, 0, 0x08, 1, 0, 0, 0xea, 0x60]);
  const { dims, data } = parseIdx(labels);
  assert.deepEqual(dims, [60000]);
  assert.equal(data.length, 60000);
  assert.equal(data[59999], 7);
});

test('parseIdx rejects a bad magic, a non-byte type and truncated data', () => {
  assert.throws(() => parseIdx(Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 1, 9])), /magic/);
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 9, 9, 9, 9])), /type 0xd/);
  assert.throws(() => parseIdx(idx.subarray(0, idx.length - 1)), /truncated: 11 of 12/);
});

test('readIdxFile reads plain and gzipped files alike', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'simclr-idx-'));
  try {
    await writeFile(join(dir, 'plain-idx3-ubyte'), idx);
    await writeFile(join(dir, 'zipped-idx3-ubyte.gz'), gzipSync(idx));
    for (const name of ['plain-idx3-ubyte', 'zipped-idx3-ubyte.gz']) {
      const { dims, data } = await readIdxFile(join(dir, name));
      assert.deepEqual(dims, [2, 2, 3], name);
      assert.deepEqual(Array.from(data), values, name);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/**
 * Reader for the IDX format of (Fashion-)MNIST: a 4-byte magic (two zero bytes, a type code, the number of
 * dimensions), one big-endian uint32 per dimension, then the values row-major. Gzipped files are inflated.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** IDX type code of unsigned bytes: the only type (Fashion-)MNIST images and labels use. */
const unsignedByte = 0x08;

export function parseIdx(bytes: Uint8Array): IdxArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || view.getUint16(0) !== 0) throw new Error('not an IDX file: the magic number must start with two zero bytes');
  const type = bytes[2];
  if (type !== unsignedByte) throw new Error(`IDX type 0x${type.toString(16)} is not supported; only unsigned bytes (0x08) are`);
  const rank = bytes[3];
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw new Error('IDX header is truncated');
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const size = dims.reduce((a, d) => a * d, 1);
  if (bytes.length - headerBytes < size) throw new Error(`IDX data is truncated: ${bytes.length - headerBytes} of ${size} bytes`);
  return { dims, data: bytes.subarray(headerBytes, headerBytes + size) };
}

const isGzip = (bytes: Uint8Array) => bytes[0] === 0x1f && bytes[1] === 0x8b;

export async function readIdxFile(path: string): Promise<IdxArray> {
  const raw = await readFile(path);
  return parseIdx(isGzip(raw) ? gunzipSync(raw) : raw);
}

/**
 * The safetensors format (8-byte header length, a JSON header of names, dtypes, shapes and byte ranges, then
 * the raw little-endian data): how weights travel between the app and the PyTorch trainer, which reads and
 * writes it with NumPy alone. Only float32 tensors are read; others are skipped by name.
 */
import { StudioError } from '../../../shared/contract';

export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, NamedArray>;
  metadata: Record<string, string>;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export function safetensorsBytes(tensors: Map<string, NamedArray>, metadata: Record<string, string>): Buffer {
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  let offset = 0;
  const names = [...tensors.keys()].sort();
  for (const name of names) {
    const { shape, data } = tensors.get(name)!;
    if (data.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`${name}: ${data.length} values for shape [${shape.join(', ')}]`);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  header.__metadata__ = metadata;
  let json = JSON.stringify(header);
  // The data starts 8-byte aligned, as the format asks.
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const blobs = names.map((name) => {
    const { data } = tensors.get(name)!;
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  });
  return Buffer.concat([length, Buffer.from(json), ...blobs]);
}

export function parseSafetensors(bytes: Buffer, where: string): SafetensorsFile {
  const fail = (reason: string) => new StudioError(`${where}: not a safetensors weights file (${reason})`);
  if (bytes.length < 8) throw fail('shorter than its header');
  const length = Number(bytes.readBigUInt64LE(0));
  if (length <= 0 || 8 + length > bytes.length) throw fail('its header length runs past the end');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw fail('its header is not JSON');
  }
  const { __metadata__: metadata = {}, ...entries } = header as { __metadata__?: Record<string, string> } & Record<string, HeaderEntry>;
  const dataStart = 8 + length;
  const tensors = new Map<string, NamedArray>();
  for (const [name, entry] of Object.entries(entries)) {
    if (entry.dtype !== 'F32') continue;
    const [start, end] = entry.data_offsets;
    if (dataStart + end > bytes.length || end - start !== 4 * entry.shape.reduce((a, b) => a * b, 1)) throw fail(`${name}'s bytes do not match its shape`);
    // A copy: the slice may not be 4-byte aligned in the file's buffer.
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + dataStart + start, bytes.byteOffset + dataStart + end));
    tensors.set(name, { shape: entry.shape, data });
  }
  return { tensors, metadata };
}

/** NumPy files the tests read back: what Python wrote, checked against the app. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

/** A float32 .npy (what predict.py --inputs-npy and train.py --embed write) as its shape and values. */
export function readNpy(path: string): { shape: number[]; values: Float32Array } {
  const bytes = readFileSync(path);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  assert.match(header, /'descr': '<f4'/);
  const shape = header.match(/'shape': \(([^)]*)\)/)![1].split(',').filter((d) => d.trim()).map(Number);
  const data = bytes.subarray(10 + headerLength);
  return { shape, values: new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
}

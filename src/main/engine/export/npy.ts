/** NumPy's .npy format (version 1.0) for a float32 matrix, so `numpy.load` reads the embeddings as they are. */

/** The file's bytes: the magic, a header padded so the data starts on a 64-byte boundary, then the values. */
export function npyBytes(values: Float32Array, shape: number[]): Buffer {
  if (values.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`.npy: ${values.length} values for shape (${shape.join(', ')})`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const prefix = 10; // 6-byte magic, 2-byte version, 2-byte header length
  const padded = dict.padEnd(Math.ceil((prefix + dict.length + 1) / 64) * 64 - prefix - 1, ' ') + '\n';
  const header = Buffer.alloc(prefix);
  header.write('\x93NUMPY', 0, 'latin1');
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(padded.length, 8);
  return Buffer.concat([header, Buffer.from(padded, 'latin1'), Buffer.from(values.buffer, values.byteOffset, values.byteLength)]);
}

/** NumPy's .npy format (version 1.0), so `numpy.load` reads embeddings (float32) and image shards (uint8) as they are. */

/** The header alone: the magic, then a dict padded so the data starts on a 64-byte boundary. */
export function npyHeader(dtype: 'float32' | 'uint8', shape: number[]): Buffer {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const dict = `{'descr': '${dtype === 'float32' ? '<f4' : '|u1'}', 'fortran_order': False, 'shape': (${dims}), }`;
  const prefix = 10; // 6-byte magic, 2-byte version, 2-byte header length
  const padded = dict.padEnd(Math.ceil((prefix + dict.length + 1) / 64) * 64 - prefix - 1, ' ') + '\n';
  const header = Buffer.alloc(prefix);
  header.write('\x93NUMPY', 0, 'latin1');
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(padded.length, 8);
  return Buffer.concat([header, Buffer.from(padded, 'latin1')]);
}

/** A whole float32 .npy file. */
export function npyBytes(values: Float32Array, shape: number[]): Buffer {
  if (values.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`.npy: ${values.length} values for shape (${shape.join(', ')})`);
  return Buffer.concat([npyHeader('float32', shape), Buffer.from(values.buffer, values.byteOffset, values.byteLength)]);
}

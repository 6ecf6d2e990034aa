/**
 * Fashion-MNIST (Debian's dataset-fashion-mnist): 60,000 train and 10,000 test 28×28 grey images in 10
 * classes, kept as uint8; the benchmarks write them out as a folder of PNG files (image-folder.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readIdxFile } from './idx';

export const defaultFashionMnistDir = '/usr/share/datasets/fashion-mnist';
export const fashionMnistClasses = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export interface GreyImages {
  count: number;
  side: number;
  /** count × side × side bytes. */
  pixels: Uint8Array;
  /** Class index per image. */
  labels: Uint8Array;
}

async function readSplit(dir: string, prefix: 'train' | 't10k'): Promise<GreyImages> {
  const file = (kind: string) => {
    const path = join(dir, `${prefix}-${kind}`);
    return existsSync(`${path}.gz`) ? `${path}.gz` : path;
  };
  const images = await readIdxFile(file('images-idx3-ubyte'));
  const labels = await readIdxFile(file('labels-idx1-ubyte'));
  const [count, side] = images.dims;
  if (labels.dims[0] !== count) throw new Error(`${prefix}: ${count} images but ${labels.dims[0]} labels`);
  return { count, side, pixels: images.data, labels: labels.data };
}

export async function loadFashionMnist(dir = defaultFashionMnistDir): Promise<{ train: GreyImages; test: GreyImages }> {
  if (!existsSync(dir)) throw new Error(`${dir} not found: apt-get install -y dataset-fashion-mnist`);
  return { train: await readSplit(dir, 'train'), test: await readSplit(dir, 't10k') };
}

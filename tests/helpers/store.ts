/** A real project store with `count` images at /data/imgN.png (ids 1..count), for tests of the store and the labels. */
import { join } from 'node:path';
import { ProjectStore } from '../../src/main/engine/store/project-store';
import { tempDir } from './images';

export function storeWithImages(count: number): ProjectStore {
  const store = ProjectStore.open(join(tempDir(), 'project'));
  for (let i = 1; i <= count; i++) {
    store.images.add({ path: `/data/img${i}.png`, root: '/data', relPath: `img${i}.png`, hash: `h${i}`, bytes: 10, width: 8, height: 8 });
  }
  return store;
}

/** Each image's class id (null when unlabelled), in id order. */
export function labelsOf(store: ProjectStore, count: number): (number | null)[] {
  const byImage = new Map(store.labels.labelled().map((l) => [l.imageId, l.classId]));
  return Array.from({ length: count }, (_, i) => byImage.get(i + 1) ?? null);
}

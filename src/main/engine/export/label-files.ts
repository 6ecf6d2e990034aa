/**
 * The labels in the formats other tools read: a CSV of path,label,split, an ImageFolder tree (one folder per
 * class, per split) of links or copies, and one JSON with the classes, labels, predictions, confidences and the
 * labels flagged as probably wrong.
 */
import { copyFile, mkdir, symlink } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { StudioError, type ImageFolderMode } from '../../../shared/contract';
import { toCsv } from '../store/csv';
import type { ProjectStore } from '../store/project-store';

export interface DatasetImage {
  imageId: number;
  path: string;
  label: string | null;
  /** 'test' for the test set's labels, 'train' for the others; null when unlabelled. */
  split: 'train' | 'test' | null;
  predicted: string | null;
  confidence: number | null;
  /** Flagged by the last fine-tune as probably mislabelled, with the class it looks like. */
  flagged: { suggested: string; score: number } | null;
}

export interface Dataset {
  classes: { id: number; name: string; labelled: number }[];
  images: DatasetImage[];
}

export function datasetOf(store: ProjectStore): Dataset {
  const classes = store.labels.classes();
  const names = new Map(classes.map((c) => [c.id, c.name]));
  const labels = new Map(store.labels.labelled().map((l) => [l.imageId, l.classId]));
  const test = store.labels.testImageIds();
  const predictions = store.outputs.predictions();
  const flags = new Map(store.outputs.labelIssues().map((issue) => [issue.imageId, issue]));
  const ids = store.images.ids();
  const paths = store.images.paths(ids);
  const images = ids.map((imageId): DatasetImage => {
    const label = labels.get(imageId);
    const prediction = predictions.get(imageId);
    const flag = flags.get(imageId);
    return {
      imageId,
      path: paths.get(imageId)!,
      label: label === undefined ? null : names.get(label)!,
      split: label === undefined ? null : test.has(imageId) ? 'test' : 'train',
      predicted: prediction ? names.get(prediction.classId)! : null,
      confidence: prediction?.confidence ?? null,
      flagged: flag ? { suggested: names.get(flag.suggestedId)!, score: flag.score } : null,
    };
  });
  return { classes: classes.map((c) => ({ id: c.id, name: c.name, labelled: c.count })), images };
}

/** path,label,split for every labelled image. */
export function labelsCsv({ images }: Dataset): string {
  return toCsv(['path', 'label', 'split'], images.filter((i) => i.label !== null).map((i) => [i.path, i.label!, i.split!]));
}

export function datasetJson({ classes, images }: Dataset): string {
  return JSON.stringify({ classes, images: images.map(({ imageId: _id, ...image }) => image) }, null, 1);
}

/** A class name as one safe folder name on every OS. */
export function folderName(name: string): string {
  const printable = [...name].map((ch) => (ch.charCodeAt(0) < 32 ? '_' : ch)).join('');
  const safe = printable.replace(/[/\\:*?"<>|]/g, '_').replace(/^\.+/, '_').trim();
  return safe.length > 0 ? safe : '_';
}

/**
 * `dir/<split>/<class>/<file>` for every labelled image, linked (symlinks to the originals) or copied. Two
 * images of one class with the same file name keep apart by their image id.
 */
export async function writeImageFolder(dir: string, { images }: Dataset, mode: Exclude<ImageFolderMode, 'none'>, signal: AbortSignal, onProgress: (done: number, total: number) => void): Promise<number> {
  const labelled = images.filter((i) => i.label !== null);
  const taken = new Set<string>();
  let done = 0;
  for (const image of labelled) {
    signal.throwIfAborted();
    const folder = join(dir, image.split!, folderName(image.label!));
    const file = basename(image.path);
    let target = join(folder, file);
    if (taken.has(target)) target = join(folder, `${basename(file, extname(file))}-${image.imageId}${extname(file)}`);
    taken.add(target);
    await mkdir(folder, { recursive: true });
    await (mode === 'symlink' ? symlink(image.path, target) : copyFile(image.path, target)).catch((error: Error) => {
      throw new StudioError(`${image.path}: cannot ${mode === 'symlink' ? 'link' : 'copy'} it into the ImageFolder tree (${error.message})`);
    });
    if (++done % 200 === 0 || done === labelled.length) onProgress(done, labelled.length);
  }
  return done;
}

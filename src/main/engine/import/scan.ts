/** Finds image files under a folder, recursively, without following a symlink into a loop. */
import { opendir, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { ImportFailure } from '../../../shared/contract';
import { describeFileError } from './reasons';

/** The endings import looks at; anything else in the folder is ignored, not reported. */
export const imageExtensions = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.bmp']);

export function isImageFileName(name: string): boolean {
  return imageExtensions.has(extname(name).toLowerCase());
}

export interface ScanResult {
  files: string[];
  failures: ImportFailure[];
}

export async function scanImageFiles(folder: string, signal?: AbortSignal): Promise<ScanResult> {
  const files: string[] = [];
  const failures: ImportFailure[] = [];
  const visitedDirectories = new Set<string>();

  async function walk(directory: string): Promise<void> {
    signal?.throwIfAborted();
    let real: string;
    try {
      real = await realpath(directory);
    } catch (error) {
      failures.push({ path: directory, reason: describeFileError(error) });
      return;
    }
    if (visitedDirectories.has(real)) return; // a symlink back to a folder already walked
    visitedDirectories.add(real);
    let entries;
    try {
      entries = await opendir(directory);
    } catch (error) {
      failures.push({ path: directory, reason: describeFileError(error) });
      return;
    }
    const children: string[] = [];
    for await (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(directory, entry.name);
      if (entry.isDirectory()) children.push(path);
      else if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => null);
        if (target?.isDirectory()) children.push(path);
        else if (target?.isFile() && isImageFileName(entry.name)) files.push(path);
        else if (!target && isImageFileName(entry.name)) failures.push({ path, reason: 'broken symbolic link' });
      } else if (entry.isFile() && isImageFileName(entry.name)) files.push(path);
    }
    for (const child of children.sort()) await walk(child);
  }

  const top = await stat(folder).catch((error: unknown) => {
    throw new Error(`${folder}: ${describeFileError(error)}`);
  });
  if (!top.isDirectory()) throw new Error(`${folder}: not a folder`);
  await walk(folder);
  files.sort();
  return { files, failures };
}

/**
 * How many image files lie in a folder's sub-folders, for the folder picker. Only a hint, so it is bounded: it
 * stops at a count or after a time (a home folder can hold millions of files) and says it stopped.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isImageFileName } from './scan';

export interface ImagesBelow {
  /** Image files found in the sub-folders, at any depth, up to the limit. */
  count: number;
  /** False when the count stopped at the limit or the time: there are at least `count`. */
  complete: boolean;
}

export interface CountLimits {
  maxImages: number;
  maxMilliseconds: number;
}

export const folderPickerLimits: CountLimits = { maxImages: 1000, maxMilliseconds: 1500 };

/**
 * Walks breadth first, so a limit cuts off the deep end of the tree, not whole nearby sub-folders. Like the
 * picker it skips hidden entries, and it does not follow symbolic links (nor loop through them); unreadable
 * folders count nothing.
 */
export async function countImagesInSubfolders(folder: string, limits: CountLimits = folderPickerLimits): Promise<ImagesBelow> {
  const deadline = Date.now() + limits.maxMilliseconds;
  let count = 0;
  let level = [folder];
  for (let depth = 0; level.length > 0; depth++) {
    const next: string[] = [];
    for (const directory of level) {
      if (count > limits.maxImages || Date.now() > deadline) return { count: Math.min(count, limits.maxImages), complete: false };
      const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        if (entry.isDirectory()) next.push(join(directory, entry.name));
        // The folder's own images are listed apart; these are the ones importing it would also take in.
        else if (depth > 0 && entry.isFile() && isImageFileName(entry.name)) count += 1;
      }
    }
    level = next;
  }
  return count > limits.maxImages ? { count: limits.maxImages, complete: false } : { count, complete: true };
}

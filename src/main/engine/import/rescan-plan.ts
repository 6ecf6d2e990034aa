/** What an import must read, given the files found now and the paths the project already knows. */
import { sep } from 'node:path';
import type { KnownPath } from '../store/image-paths';
import type { ScannedFile } from './scan';

export interface FileToRead {
  file: ScannedFile;
  /** The project's record of this path, when it has one (the file changed, or was missing and is back). */
  known?: KnownPath;
}

export interface RescanPlan {
  toRead: FileToRead[];
  /** Known files whose size and modification time are as recorded: not read again. */
  unchanged: number;
  /** Known paths, on disk last time, that the scan did not find: deleted, or moved and found elsewhere. */
  vanished: KnownPath[];
}

const isUnder = (path: string, folder: string) => path.startsWith(folder + sep);

export function planRescan(found: ScannedFile[], known: KnownPath[], unreadableFolders: string[] = []): RescanPlan {
  const knownByPath = new Map(known.map((k) => [k.path, k]));
  const foundPaths = new Set(found.map((f) => f.path));
  const toRead: FileToRead[] = [];
  let unchanged = 0;
  for (const file of found) {
    const record = knownByPath.get(file.path);
    if (record && !record.missing && record.bytes === file.bytes && record.mtimeMs === file.mtimeMs) unchanged++;
    else toRead.push({ file, known: record });
  }
  // A folder that could not be read this time hides its files; they are not taken as deleted.
  const vanished = known.filter(
    (k) => !k.missing && !foundPaths.has(k.path) && !unreadableFolders.some((folder) => isUnder(k.path, folder)),
  );
  return { toRead, unchanged, vanished };
}

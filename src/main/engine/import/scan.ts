/**
 * Finds image files under a folder, recursively, without following a symlink into a loop. Every file with an
 * image ending that cannot be imported (a FIFO, a name that is not UTF-8, a broken link) is reported, not skipped.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';
import { extname, join } from 'node:path';
import type { ImportFailure } from '../../../shared/contract';
import { StudioError } from '../../../shared/contract';
import { describeFileError } from './reasons';

/** The endings import looks at; anything else in the folder is ignored, not reported. */
export const imageExtensions = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.bmp']);

export function isImageFileName(name: string): boolean {
  return imageExtensions.has(extname(name).toLowerCase());
}

/** A file found on disk, with the size and modification time that tell a rescan whether it changed. */
export interface ScannedFile {
  path: string;
  bytes: number;
  mtimeMs: number;
}

export interface ScanResult {
  files: ScannedFile[];
  failures: ImportFailure[];
  /** Folders that could not be read: files known under them are not taken as deleted. */
  unreadableFolders: string[];
}

/** A name that does not survive a round trip through UTF-8 cannot be stored as text or opened again by it. */
function utf8Name(raw: Buffer): string | null {
  const name = raw.toString('utf8');
  return Buffer.from(name, 'utf8').equals(raw) ? name : null;
}

function fileOf(path: string, info: Stats): ScannedFile {
  return { path, bytes: info.size, mtimeMs: info.mtimeMs };
}


export async function scanImageFiles(folder: string, signal?: AbortSignal): Promise<ScanResult> {
  const result: ScanResult = { files: [], failures: [], unreadableFolders: [] };
  const visitedDirectories = new Set<string>();
  const fail = (path: string, reason: string) => result.failures.push({ path, reason });

  /** Classifies one entry of a folder: a sub-folder to walk, an image file, a failure or nothing. */
  async function visit(directory: string, entry: Dirent<Buffer>, children: string[]): Promise<void> {
    const name = utf8Name(entry.name);
    if (name === null) {
      const shown = join(directory, entry.name.toString('utf8'));
      if (entry.isDirectory() || isImageFileName(shown)) fail(shown, 'the name is not valid UTF-8; rename it to import it');
      return;
    }
    if (name.startsWith('.')) return;
    const path = join(directory, name);
    if (entry.isDirectory()) return void children.push(path);
    const looksLikeImage = isImageFileName(name);
    if (!entry.isSymbolicLink() && !entry.isFile()) {
      if (looksLikeImage) fail(path, 'not a regular file (a FIFO, socket or device)');
      return;
    }
    if (!entry.isSymbolicLink() && !looksLikeImage) return;
    const target = await stat(path).catch((error: NodeJS.ErrnoException) => error);
    if (target instanceof Error) {
      if (looksLikeImage) fail(path, target.code === 'ENOENT' ? 'broken symbolic link' : describeFileError(target));
    } else if (target.isDirectory()) children.push(path);
    else if (!looksLikeImage) return;
    else if (target.isFile()) result.files.push(fileOf(path, target));
    else fail(path, 'not a regular file (a FIFO, socket or device)');
  }

  async function walk(directory: string): Promise<void> {
    signal?.throwIfAborted();
    let entries: Dirent<Buffer>[];
    try {
      const real = await realpath(directory);
      if (visitedDirectories.has(real)) return; // a symlink back to a folder already walked
      visitedDirectories.add(real);
      entries = await readdir(directory, { withFileTypes: true, encoding: 'buffer' });
    } catch (error) {
      fail(directory, describeFileError(error));
      result.unreadableFolders.push(directory);
      return;
    }
    const children: string[] = [];
    await Promise.all(entries.map((entry) => visit(directory, entry, children)));
    for (const child of children.sort()) await walk(child);
  }

  const top = await stat(folder).catch((error: unknown) => {
    throw new StudioError(`${folder}: ${describeFileError(error)}`);
  });
  if (!top.isDirectory()) throw new StudioError(`${folder}: not a folder`);
  await walk(folder);
  result.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return result;
}

/** One named file (dropped onto the window, say): the same checks as a file found in a folder. */
export async function scanOneFile(path: string): Promise<ScanResult> {
  const result: ScanResult = { files: [], failures: [], unreadableFolders: [] };
  const info = await stat(path).catch((error: unknown) => error as Error);
  if (info instanceof Error) result.failures.push({ path, reason: describeFileError(info) });
  else if (!info.isFile()) result.failures.push({ path, reason: 'not a regular file (a FIFO, socket or device)' });
  else if (!isImageFileName(path)) result.failures.push({ path, reason: 'not an image (unsupported file ending)' });
  else result.files.push(fileOf(path, info));
  return result;
}

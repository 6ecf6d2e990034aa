/**
 * The paths each image was found at (the image_paths table). An image keeps one primary path in images.path,
 * always one of its rows here, preferring a file still on disk.
 */
import type { Database } from 'better-sqlite3';
import { sep } from 'node:path';

const afterSep = String.fromCharCode(sep.charCodeAt(0) + 1);

/** A file as a scan finds it on disk. */
export interface FoundFile {
  path: string;
  bytes: number;
  mtimeMs: number;
}

export interface KnownPath {
  path: string;
  imageId: number;
  bytes: number;
  mtimeMs: number;
  missing: boolean;
}

export class ImagePaths {
  constructor(private readonly db: Database) {}

  /** Paths already in the project under a folder (every path below it) or equal to a file's path. */
  knownUnder(scope: { folder: string } | { file: string }): KnownPath[] {
    const select = 'SELECT path, image_id AS imageId, bytes, mtime_ms AS mtimeMs, missing = 1 AS missing FROM image_paths';
    // The character after the separator bounds exactly the paths below the folder, and the range uses the key.
    const rows =
      'folder' in scope
        ? this.db.prepare(`${select} WHERE path > ? AND path < ?`).all(scope.folder + sep, scope.folder + afterSep)
        : this.db.prepare(`${select} WHERE path = ?`).all(scope.file);
    return (rows as (Omit<KnownPath, 'missing'> & { missing: number })[]).map((row) => ({ ...row, missing: row.missing === 1 }));
  }

  /** Records (or re-points) a path to an image, as found on disk now. */
  add(file: FoundFile, imageId: number, root: string): void {
    this.db
      .prepare('INSERT OR REPLACE INTO image_paths (path, image_id, root, bytes, mtime_ms, missing) VALUES (?, ?, ?, ?, ?, 0)')
      .run(file.path, imageId, root, file.bytes, file.mtimeMs);
  }

  /** The file is unchanged in content (its hash matched): remember its size and time so it is not read again. */
  touch(file: FoundFile): void {
    this.db.prepare('UPDATE image_paths SET bytes = ?, mtime_ms = ?, missing = 0 WHERE path = ?').run(file.bytes, file.mtimeMs, file.path);
  }

  remove(path: string): void {
    this.db.prepare('DELETE FROM image_paths WHERE path = ?').run(path);
  }

  markMissing(path: string): void {
    this.db.prepare('UPDATE image_paths SET missing = 1 WHERE path = ?').run(path);
  }

  missingPathsOf(imageId: number): string[] {
    return this.db.prepare('SELECT path FROM image_paths WHERE image_id = ? AND missing = 1 ORDER BY path').pluck().all(imageId) as string[];
  }

  countFor(imageId: number): number {
    return this.db.prepare('SELECT COUNT(*) FROM image_paths WHERE image_id = ?').pluck().get(imageId) as number;
  }

  /** Points images.path at a path still on disk when the primary one moved, went missing or was re-pointed. */
  refreshPrimary(imageId: number): void {
    const best = this.db
      .prepare('SELECT path, root FROM image_paths WHERE image_id = ? ORDER BY missing, path LIMIT 1')
      .get(imageId) as { path: string; root: string } | undefined;
    const current = this.db
      .prepare('SELECT p.missing FROM images i LEFT JOIN image_paths p ON p.path = i.path AND p.image_id = i.id WHERE i.id = ?')
      .pluck()
      .get(imageId) as number | null | undefined;
    if (!best || current === 0) return;
    this.db
      .prepare('UPDATE images SET path = ?, root = ?, rel_path = ? WHERE id = ?')
      .run(best.path, best.root, relativePath(best.root, best.path), imageId);
  }
}

/** A path relative to its imported folder, with forward slashes on every platform. */
export function relativePath(root: string, path: string): string {
  const rest = path.startsWith(root) ? path.slice(root.length) : path;
  return rest.replace(/^[\\/]+/, '').split('\\').join('/');
}

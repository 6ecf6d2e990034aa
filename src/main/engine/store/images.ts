/** Images with their folders, the files that failed to import and which images the pixel cache holds. */
import type Database from 'better-sqlite3';
import type { ImageFilter, ImageItem, ImageSort, ImportFailure } from '../../../shared/contract';
import { StudioError } from '../../../shared/contract';

export interface NewImage {
  path: string;
  root: string;
  relPath: string;
  hash: string;
  bytes: number;
  width: number;
  height: number;
}

/** How each sort orders the grid; images without a prediction come last in both confidence orders. */
const imageOrder: Record<ImageSort, string> = {
  imported: 'i.id',
  path: 'i.path, i.id',
  confidence: 'p.confidence IS NULL, p.confidence DESC, i.id',
  confidenceAscending: 'p.confidence IS NULL, p.confidence ASC, i.id',
  labelIssue: 'li.score IS NULL, li.score DESC, i.id',
};

/** The FROM and WHERE of a filtered image list; the class filters need a classId. */
export interface ImageQueryOptions {
  maxConfidence?: number;
  unlabelledOnly?: boolean;
  /** With the heldOut filter: the class the chosen model predicted for them out of fold. */
  predictedClassId?: number;
}

function imageQuery(filter: ImageFilter, classId: number | undefined, { maxConfidence = 0.6, unlabelledOnly = false, predictedClassId }: ImageQueryOptions = {}) {
  if ((filter === 'class' || filter === 'predicted' || filter === 'heldOut') && classId === undefined) {
    throw new StudioError(`The "${filter}" filter needs a classId`);
  }
  if (filter === 'heldOut' && predictedClassId === undefined) throw new StudioError('The "heldOut" filter needs a predictedClassId');
  const where = {
    all: '1 = 1',
    unlabelled: 'l.class_id IS NULL',
    labelled: 'l.class_id IS NOT NULL',
    class: 'l.class_id = @classId',
    predicted: 'p.class_id = @classId',
    lowConfidence: 'p.confidence < @maxConfidence',
    // Flagged as probably mislabelled, while they keep the label they were flagged with.
    labelIssues: 'li.flagged_class_id = l.class_id',
    // The labelled images kept as a test set.
    test: 'l.class_id IS NOT NULL AND i.id IN (SELECT image_id FROM test_images)',
    // One cell of the last fine-tune's confusion matrix: labelled classId, predicted predictedClassId out of fold.
    heldOut: 'i.id IN (SELECT image_id FROM held_out_predictions WHERE labelled_class_id = @classId AND predicted_class_id = @predictedClassId) AND l.class_id = @classId',
    // Images found at more than one path (the import records the extra paths).
    duplicates: 'i.id IN (SELECT image_id FROM image_paths WHERE missing = 0 GROUP BY image_id HAVING COUNT(*) > 1)',
  }[filter];
  const from = 'FROM images i LEFT JOIN labels l ON l.image_id = i.id LEFT JOIN predictions p ON p.image_id = i.id LEFT JOIN label_issues li ON li.image_id = i.id';
  return { from, where: unlabelledOnly ? `(${where}) AND l.class_id IS NULL` : where, params: { classId: classId ?? null, maxConfidence, predictedClassId: predictedClassId ?? null } };
}

export class Images {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  idByHash(hash: string): number | undefined {
    const row = this.#db.prepare('SELECT id FROM images WHERE hash = ?').get(hash) as { id: number } | undefined;
    return row?.id;
  }

  /** The image found at a path: its primary path or any other (a duplicate, a file gone missing). */
  idByPath(path: string): number | undefined {
    return this.#db.prepare('SELECT image_id FROM image_paths WHERE path = ?').pluck().get(path) as number | undefined;
  }

  /** Adds an image and its path; `mtimeMs` lets a rescan see whether the file changed since. */
  add(image: NewImage, mtimeMs = -1): number {
    const info = this.#db
      .prepare(
        `INSERT INTO images (path, root, rel_path, hash, bytes, width, height)
         VALUES (@path, @root, @relPath, @hash, @bytes, @width, @height)`,
      )
      .run(image);
    const id = Number(info.lastInsertRowid);
    this.#db
      .prepare('INSERT OR REPLACE INTO image_paths (path, image_id, root, bytes, mtime_ms) VALUES (?, ?, ?, ?, ?)')
      .run(image.path, id, image.root, image.bytes, mtimeMs);
    this.#db.prepare('DELETE FROM import_failures WHERE path = ?').run(image.path);
    return id;
  }

  /** A file at an image's path now holds other bytes: the image takes them, and what was computed from the old ones goes. */
  replaceContent(imageId: number, content: Pick<NewImage, 'hash' | 'bytes' | 'width' | 'height'>): void {
    this.#db.transaction(() => {
      this.#db.prepare('UPDATE images SET hash = @hash, bytes = @bytes, width = @width, height = @height WHERE id = @imageId').run({ ...content, imageId });
      for (const table of ['embeddings', 'predictions', 'model_pixels']) this.#db.prepare(`DELETE FROM ${table} WHERE image_id = ?`).run(imageId);
    })();
  }

  remove(imageId: number): void {
    this.#db.prepare('DELETE FROM images WHERE id = ?').run(imageId);
  }

  /** Paths on disk beyond the first of each image: exact copies under other names. */
  duplicatePathCount(): number {
    return this.#db.prepare('SELECT COUNT(*) - COUNT(DISTINCT image_id) FROM image_paths WHERE missing = 0').pluck().get() as number;
  }

  recordFailure(failure: ImportFailure): void {
    this.#db
      .prepare("INSERT OR REPLACE INTO import_failures (path, reason, at) VALUES (?, ?, datetime('now'))")
      .run(failure.path, failure.reason);
  }

  clearFailures(paths: string[]): void {
    const remove = this.#db.prepare('DELETE FROM import_failures WHERE path = ?');
    this.#db.transaction(() => paths.forEach((path) => remove.run(path)))();
  }

  addRoot(root: string): void {
    this.#db.prepare('INSERT OR IGNORE INTO roots (path) VALUES (?)').run(root);
  }

  roots(): string[] {
    return (this.#db.prepare('SELECT path FROM roots ORDER BY path').all() as { path: string }[]).map((r) => r.path);
  }

  failures(): ImportFailure[] {
    return this.#db.prepare('SELECT path, reason FROM import_failures ORDER BY path').all() as ImportFailure[];
  }

  ids(): number[] {
    return (this.#db.prepare('SELECT id FROM images ORDER BY id').all() as { id: number }[]).map((r) => r.id);
  }

  /** The ids given that name no image of the project, in the order given. */
  unknownIds(ids: number[]): number[] {
    const exists = this.#db.prepare('SELECT 1 FROM images WHERE id = ?').pluck();
    return [...new Set(ids)].filter((id) => exists.get(id) === undefined);
  }

  /** Primary paths by image id; ids without an image are left out. */
  paths(ids: number[]): Map<number, string> {
    return this.#column(ids, 'path');
  }

  /** Content hashes (SHA-256 of the file) by image id; ids without an image are left out. */
  hashes(ids: number[]): Map<number, string> {
    return this.#column(ids, 'hash');
  }

  #column(ids: number[], column: 'path' | 'hash'): Map<number, string> {
    const statement = this.#db.prepare(`SELECT ${column} FROM images WHERE id = ?`).pluck();
    return new Map(ids.flatMap((id) => {
      const value = statement.get(id) as string | undefined;
      return value === undefined ? [] : [[id, value] as const];
    }));
  }

  list(
    filter: ImageFilter,
    classId: number | undefined,
    offset: number,
    limit: number,
    view: ImageQueryOptions & { sort?: ImageSort } = {},
  ): { total: number; items: ImageItem[] } {
    const { from, where, params } = imageQuery(filter, classId, view);
    const total = (this.#db.prepare(`SELECT COUNT(*) AS n ${from} WHERE ${where}`).get(params) as { n: number }).n;
    const items = this.#db
      .prepare(
        `SELECT i.id, i.path, i.rel_path AS relPath, i.width, i.height, l.class_id AS labelId,
                p.class_id AS predictedId, p.confidence
         ${from} WHERE ${where} ORDER BY ${imageOrder[view.sort ?? 'imported']} LIMIT @limit OFFSET @offset`,
      )
      .all({ ...params, limit, offset }) as ImageItem[];
    return { total, items };
  }

  /** Every image id a filter selects, in import order (for "select all in this filter"). */
  listIds(filter: ImageFilter, classId: number | undefined, options: ImageQueryOptions = {}): number[] {
    const { from, where, params } = imageQuery(filter, classId, options);
    return this.#db.prepare(`SELECT i.id ${from} WHERE ${where} ORDER BY i.id`).pluck().all(params) as number[];
  }

  /** Images as the grid shows them, by id, in the order given (ids without an image are left out). */
  items(ids: number[]): ImageItem[] {
    const statement = this.#db.prepare(
      `SELECT i.id, i.path, i.rel_path AS relPath, i.width, i.height, l.class_id AS labelId,
              p.class_id AS predictedId, p.confidence
       FROM images i LEFT JOIN labels l ON l.image_id = i.id LEFT JOIN predictions p ON p.image_id = i.id WHERE i.id = ?`,
    );
    return ids.map((id) => statement.get(id) as ImageItem | undefined).filter((item) => item !== undefined);
  }
  /** The images' content hashes, sorted: what the set is, whatever its paths or the order of import. */
  contentHashes(): string[] {
    return this.#db.prepare('SELECT hash FROM images ORDER BY hash').pluck().all() as string[];
  }

  cachedIds(side: number): Set<number> {
    const rows = this.#db.prepare('SELECT image_id AS id FROM model_pixels WHERE side = ?').all(side) as { id: number }[];
    return new Set(rows.map((r) => r.id));
  }

  markCached(side: number, imageIds: number[]): void {
    const insert = this.#db.prepare('INSERT OR IGNORE INTO model_pixels (side, image_id) VALUES (?, ?)');
    this.#db.transaction(() => {
      for (const id of imageIds) insert.run(side, id);
    })();
  }
}

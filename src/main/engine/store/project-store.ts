/**
 * A project on disk: one SQLite file plus folders for thumbnails, the pixel cache and models. Both the engine
 * process and the training worker open it; WAL mode lets the worker write while the UI reads.
 */
import { mkdirSync, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type {
  ClassInfo,
  ImageFilter,
  ImageItem,
  ImageSort,
  ImportFailure,
} from '../../../shared/contract';
import { StudioError } from '../../../shared/contract';
import { ImagePaths } from './image-paths';
import { LabelHistory, type LabelActor, type LabelAssignment } from './label-history';
import { ModelOutputs } from './model-outputs';
import { Runs } from './runs';
import { schemaSql, schemaVersion } from './schema';
import { acquireProjectLock, type ProjectLock } from './project-lock';
import { checkDatabaseFile, damagedDatabaseError } from './database-file';

export const databaseFileName = 'project.sqlite';

/** Where a project keeps each kind of file, relative to its folder. */
export class ProjectLayout {
  constructor(readonly dir: string) {}
  get database(): string {
    return join(this.dir, databaseFileName);
  }
  get thumbnails(): string {
    return join(this.dir, 'thumbnails');
  }
  thumbnail(imageId: number): string {
    return join(this.thumbnails, `${imageId}.webp`);
  }
  get cache(): string {
    return join(this.dir, 'cache');
  }
  pixelCache(side: number): string {
    return join(this.cache, `pixels-${side}.u8`);
  }
  get pretrainCheckpoint(): string {
    return join(this.dir, 'models', 'pretrain');
  }
  get classifier(): string {
    return join(this.dir, 'models', 'classifier');
  }
}

/** A palette for new classes, chosen to stay distinguishable on the map. */
const classPalette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

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

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export interface NewImage {
  path: string;
  root: string;
  relPath: string;
  hash: string;
  bytes: number;
  width: number;
  height: number;
}

export class ProjectStore {
  readonly layout: ProjectLayout;
  readonly history: LabelHistory;
  /** The runs with their results, logs and loss curves. */
  readonly runs: Runs;
  /** Embeddings, the map, predictions and label flags: what the models wrote. */
  readonly outputs: ModelOutputs;
  /** Every path each image was found at. */
  readonly imagePathIndex: ImagePaths;
  private readonly db: Database.Database;

  private constructor(
    dir: string,
    db: Database.Database,
    private readonly lock: ProjectLock | null,
  ) {
    this.layout = new ProjectLayout(dir);
    this.db = db;
    this.history = new LabelHistory(db);
    this.runs = new Runs(db);
    this.outputs = new ModelOutputs(db);
    this.imagePathIndex = new ImagePaths(db);
  }

  /** Runs `work` as one SQLite transaction: all of its writes land, or none do. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  /**
   * Opens the project in `dir`, creating the folder and database when absent. The engine opens it `exclusive`,
   * so no other SimCLR Studio process can; its own workers open it without, alongside it.
   */
  static open(dir: string, { exclusive = false, create = true } = {}): ProjectStore {
    const absolute = resolve(dir);
    if (existsSync(absolute) && !statSync(absolute).isDirectory()) {
      throw new StudioError(`${absolute}: not a folder, so it cannot hold a project`);
    }
    const layout = new ProjectLayout(absolute);
    const isNew = !existsSync(layout.database);
    if (isNew && !create) throw new StudioError(`${absolute}: no project here (no ${basename(layout.database)}); importing a folder into it creates one`);
    // A project is created only in an empty or new folder, so a typo cannot scatter files among the user's photos.
    if (isNew && existsSync(absolute) && readdirSync(absolute).some((name) => !name.startsWith('.'))) {
      throw new StudioError(
        `${absolute}: this folder is not empty and holds no project; choose an empty or new folder for the project`,
      );
    }
    for (const folder of [absolute, layout.thumbnails, layout.cache]) mkdirSync(folder, { recursive: true });
    const lock = exclusive ? acquireProjectLock(absolute) : null;
    try {
      return new ProjectStore(absolute, openDatabase(layout.database, isNew), lock);
    } catch (error) {
      lock?.release();
      throw error;
    }
  }

  close(): void {
    this.db.close();
    this.lock?.release();
  }

  // --- images ---------------------------------------------------------------------------------------------

  imageIdByHash(hash: string): number | undefined {
    const row = this.db.prepare('SELECT id FROM images WHERE hash = ?').get(hash) as { id: number } | undefined;
    return row?.id;
  }

  /** The image found at a path: its primary path or any other (a duplicate, a file gone missing). */
  imageIdByPath(path: string): number | undefined {
    return this.db.prepare('SELECT image_id FROM image_paths WHERE path = ?').pluck().get(path) as number | undefined;
  }

  /** Adds an image and its path; `mtimeMs` lets a rescan see whether the file changed since. */
  addImage(image: NewImage, mtimeMs = -1): number {
    const info = this.db
      .prepare(
        `INSERT INTO images (path, root, rel_path, hash, bytes, width, height)
         VALUES (@path, @root, @relPath, @hash, @bytes, @width, @height)`,
      )
      .run(image);
    const id = Number(info.lastInsertRowid);
    this.db
      .prepare('INSERT OR REPLACE INTO image_paths (path, image_id, root, bytes, mtime_ms) VALUES (?, ?, ?, ?, ?)')
      .run(image.path, id, image.root, image.bytes, mtimeMs);
    this.db.prepare('DELETE FROM import_failures WHERE path = ?').run(image.path);
    return id;
  }

  /** A file at an image's path now holds other bytes: the image takes them, and what was computed from the old ones goes. */
  replaceImageContent(imageId: number, content: Pick<NewImage, 'hash' | 'bytes' | 'width' | 'height'>): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE images SET hash = @hash, bytes = @bytes, width = @width, height = @height WHERE id = @imageId').run({ ...content, imageId });
      for (const table of ['embeddings', 'predictions', 'pixel_cache']) this.db.prepare(`DELETE FROM ${table} WHERE image_id = ?`).run(imageId);
    })();
  }

  removeImage(imageId: number): void {
    this.db.prepare('DELETE FROM images WHERE id = ?').run(imageId);
  }

  /** Paths on disk beyond the first of each image: exact copies under other names. */
  duplicatePathCount(): number {
    return this.db.prepare('SELECT COUNT(*) - COUNT(DISTINCT image_id) FROM image_paths WHERE missing = 0').pluck().get() as number;
  }

  recordFailure(failure: ImportFailure): void {
    this.db
      .prepare("INSERT OR REPLACE INTO import_failures (path, reason, at) VALUES (?, ?, datetime('now'))")
      .run(failure.path, failure.reason);
  }

  clearFailures(paths: string[]): void {
    const remove = this.db.prepare('DELETE FROM import_failures WHERE path = ?');
    this.db.transaction(() => paths.forEach((path) => remove.run(path)))();
  }

  addRoot(root: string): void {
    this.db.prepare('INSERT OR IGNORE INTO roots (path) VALUES (?)').run(root);
  }

  roots(): string[] {
    return (this.db.prepare('SELECT path FROM roots ORDER BY path').all() as { path: string }[]).map((r) => r.path);
  }

  failures(): ImportFailure[] {
    return this.db.prepare('SELECT path, reason FROM import_failures ORDER BY path').all() as ImportFailure[];
  }

  imageIds(): number[] {
    return (this.db.prepare('SELECT id FROM images ORDER BY id').all() as { id: number }[]).map((r) => r.id);
  }

  /** The ids given that name no image of the project, in the order given. */
  unknownImageIds(ids: number[]): number[] {
    const exists = this.db.prepare('SELECT 1 FROM images WHERE id = ?').pluck();
    return [...new Set(ids)].filter((id) => exists.get(id) === undefined);
  }

  /** Primary paths by image id; ids without an image are left out. */
  imagePaths(ids: number[]): Map<number, string> {
    const statement = this.db.prepare('SELECT path FROM images WHERE id = ?').pluck();
    return new Map(ids.flatMap((id) => {
      const path = statement.get(id) as string | undefined;
      return path === undefined ? [] : [[id, path] as const];
    }));
  }

  count(table: 'images' | 'labels' | 'classes' | 'embeddings' | 'predictions' | 'import_failures' | 'image_paths'): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  }

  listImages(
    filter: ImageFilter,
    classId: number | undefined,
    offset: number,
    limit: number,
    view: ImageQueryOptions & { sort?: ImageSort } = {},
  ): { total: number; items: ImageItem[] } {
    const { from, where, params } = imageQuery(filter, classId, view);
    const total = (this.db.prepare(`SELECT COUNT(*) AS n ${from} WHERE ${where}`).get(params) as { n: number }).n;
    const items = this.db
      .prepare(
        `SELECT i.id, i.path, i.rel_path AS relPath, i.width, i.height, l.class_id AS labelId,
                p.class_id AS predictedId, p.confidence
         ${from} WHERE ${where} ORDER BY ${imageOrder[view.sort ?? 'imported']} LIMIT @limit OFFSET @offset`,
      )
      .all({ ...params, limit, offset }) as ImageItem[];
    return { total, items };
  }

  /** Every image id a filter selects, in import order (for "select all in this filter"). */
  listImageIds(filter: ImageFilter, classId: number | undefined, options: ImageQueryOptions = {}): number[] {
    const { from, where, params } = imageQuery(filter, classId, options);
    return this.db.prepare(`SELECT i.id ${from} WHERE ${where} ORDER BY i.id`).pluck().all(params) as number[];
  }

  /** Images as the grid shows them, by id, in the order given (ids without an image are left out). */
  imageItems(ids: number[]): ImageItem[] {
    const statement = this.db.prepare(
      `SELECT i.id, i.path, i.rel_path AS relPath, i.width, i.height, l.class_id AS labelId,
              p.class_id AS predictedId, p.confidence
       FROM images i LEFT JOIN labels l ON l.image_id = i.id LEFT JOIN predictions p ON p.image_id = i.id WHERE i.id = ?`,
    );
    return ids.map((id) => statement.get(id) as ImageItem | undefined).filter((item) => item !== undefined);
  }

  // --- classes and labels ---------------------------------------------------------------------------------

  listClasses(): ClassInfo[] {
    return this.db
      .prepare(
        `SELECT c.id, c.name, c.color, COUNT(l.image_id) AS count
         FROM classes c LEFT JOIN labels l ON l.class_id = c.id GROUP BY c.id ORDER BY c.id`,
      )
      .all() as ClassInfo[];
  }

  classByName(name: string): ClassInfo | undefined {
    return this.listClasses().find((c) => c.name === name);
  }

  classById(classId: number): ClassInfo {
    const found = this.listClasses().find((c) => c.id === classId);
    if (!found) throw new StudioError(`No class with id ${classId}`);
    return found;
  }

  /** Creates a class as one undoable change (its undo removes it again once unused). */
  createClass(name: string, color?: string): ClassInfo {
    return this.db.transaction(() => {
      const created = this.#insertClass(name, color);
      this.history.record({ actor: 'user', summary: () => `created class ${name}`, assignments: [], createdClassIds: [created.id] });
      return created;
    })();
  }

  #insertClass(name: string, color?: string): ClassInfo {
    const existing = this.classByName(name);
    if (existing) throw new StudioError(`A class named "${name}" already exists`);
    const chosen = color ?? classPalette[this.count('classes') % classPalette.length];
    // Never reuse the id of a deleted class: undoing its delete recreates it with that id.
    const highest = this.db.prepare('SELECT COALESCE(MAX(id), 0) FROM classes').pluck().get() as number;
    const id = Math.max(highest, this.history.highestRecordedClassId()) + 1;
    this.db.prepare('INSERT INTO classes (id, name, color) VALUES (?, ?, ?)').run(id, name, chosen);
    return { id, name, color: chosen, count: 0 };
  }

  /** Renames a class as one undoable change. */
  renameClass(classId: number, name: string): ClassInfo {
    const renamed = this.classById(classId);
    const clash = this.classByName(name);
    if (clash && clash.id !== classId) throw new StudioError(`A class named "${name}" already exists; choose another name`);
    this.history.record({ actor: 'user', summary: () => `renamed class ${renamed.name} to ${name}`, assignments: [], renames: [{ classId, name }] });
    return { ...renamed, name };
  }

  recolorClass(classId: number, color: string): ClassInfo {
    const recolored = this.classById(classId);
    this.db.prepare('UPDATE classes SET color = ? WHERE id = ?').run(color, classId);
    return { ...recolored, color };
  }

  /** Moves the sources' labels to the target and deletes the sources, as one undoable change. */
  mergeClasses(sourceIds: number[], targetId: number): number {
    const target = this.classById(targetId);
    const sources = [...new Set(sourceIds)].filter((id) => id !== targetId).map((id) => this.classById(id));
    if (sources.length === 0) throw new StudioError('Choose at least one class other than the target to merge into it');
    return this.history.record({
      actor: 'user',
      summary: () => `merged ${sources.map((c) => c.name).join(', ')} into ${target.name}`,
      assignments: this.#labelledIn(sources.map((c) => c.id)).map((imageId) => ({ imageId, classId: targetId })),
      deleteClassIds: sources.map((c) => c.id),
    });
  }

  /** Deletes a class and unlabels its images, as one undoable change; returns how many it unlabelled. */
  deleteClass(classId: number): number {
    const deleted = this.classById(classId);
    return this.history.record({
      actor: 'user',
      summary: (n) => `deleted class ${deleted.name} (${plural(n, 'image')})`,
      assignments: this.#labelledIn([classId]).map((imageId) => ({ imageId, classId: null })),
      deleteClassIds: [classId],
    });
  }

  #labelledIn(classIds: number[]): number[] {
    const statement = this.db.prepare('SELECT image_id FROM labels WHERE class_id = ? ORDER BY image_id').pluck();
    return classIds.flatMap((id) => statement.all(id) as number[]);
  }

  /** Returns the class named `name`, creating it when absent (used by CSV label import). */
  ensureClass(name: string): ClassInfo {
    return this.classByName(name) ?? this.createClass(name);
  }

  /** Gives the images one class (or none) as one undoable change; returns how many labels changed. */
  setLabels(imageIds: number[], classId: number | null, actor: LabelActor = 'user'): number {
    const name = classId === null ? null : this.classById(classId).name;
    return this.history.record({
      actor,
      summary: (n) => (name === null ? `${plural(n, 'image')} unlabelled` : `${plural(n, 'image')} → ${name}`),
      assignments: imageIds.map((imageId) => ({ imageId, classId })),
    });
  }

  /** Many images, each its own class (a CSV, folder names), as one undoable change. */
  applyLabels(assignments: LabelAssignment[], actor: LabelActor, summary: string, createdClassIds: number[] = []): number {
    for (const classId of new Set(assignments.map((a) => a.classId))) if (classId !== null) this.classById(classId);
    return this.history.record({ actor, summary: (n) => `${summary} (${plural(n, 'image')})`, assignments, createdClassIds });
  }

  /**
   * Many images, each a class by name (a CSV), as one undoable change that also creates the classes not there yet;
   * its undo removes those classes again once they hold no labels.
   */
  applyLabelsByName(labels: { imageId: number; className: string }[], actor: LabelActor, summary: string): number {
    return this.db.transaction(() => {
      // The last row of an image wins, so a name given only in overridden rows creates no class.
      const nameOf = new Map(labels.map((l) => [l.imageId, l.className]));
      const createdClassIds: number[] = [];
      const idOf = new Map([...new Set(nameOf.values())].map((name) => {
        const known = this.classByName(name);
        if (known) return [name, known.id] as const;
        const made = this.#insertClass(name); // one change with the labels, not a change of its own
        createdClassIds.push(made.id);
        return [name, made.id] as const;
      }));
      const assignments = [...nameOf].map(([imageId, name]) => ({ imageId, classId: idOf.get(name)! }));
      return this.applyLabels(assignments, actor, summary, createdClassIds);
    })();
  }

  /** Labelled images as (imageId, classIndex) with classes indexed 0..K-1 in id order. */
  labelledImages(): { imageId: number; classId: number }[] {
    return this.db
      .prepare('SELECT image_id AS imageId, class_id AS classId FROM labels ORDER BY image_id')
      .all() as { imageId: number; classId: number }[];
  }

  // --- the test set ----------------------------------------------------------------------------------------

  /** Puts images in the test set (`inTest`) or takes them out; returns how many changed. */
  setTestImages(imageIds: number[], inTest: boolean): number {
    const change = this.db.prepare(inTest ? 'INSERT OR IGNORE INTO test_images (image_id) VALUES (?)' : 'DELETE FROM test_images WHERE image_id = ?');
    return this.db.transaction(() => imageIds.reduce((changed, id) => changed + change.run(id).changes, 0))();
  }

  clearTestImages(): number {
    return this.db.prepare('DELETE FROM test_images').run().changes;
  }

  /** The test set: images in it that still have a label (an unlabelled one tests nothing until labelled again). */
  testImageIds(): Set<number> {
    return new Set(this.db.prepare('SELECT t.image_id FROM test_images t JOIN labels l ON l.image_id = t.image_id').pluck().all() as number[]);
  }

  labelsForExport(): { path: string; label: string }[] {
    return this.db
      .prepare(
        `SELECT i.path, c.name AS label FROM labels l
         JOIN images i ON i.id = l.image_id JOIN classes c ON c.id = l.class_id ORDER BY i.id`,
      )
      .all() as { path: string; label: string }[];
  }

  // --- pixel cache bookkeeping ----------------------------------------------------------------------------

  cachedImageIds(side: number): Set<number> {
    const rows = this.db.prepare('SELECT image_id AS id FROM pixel_cache WHERE side = ?').all(side) as { id: number }[];
    return new Set(rows.map((r) => r.id));
  }

  markCached(side: number, imageIds: number[]): void {
    const insert = this.db.prepare('INSERT OR IGNORE INTO pixel_cache (side, image_id) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const id of imageIds) insert.run(side, id);
    })();
  }


}

/** The project's database, checked first so a damaged file is named and explained rather than half-read. */
function openDatabase(path: string, isNew: boolean): Database.Database {
  if (!isNew) checkDatabaseFile(path);
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.exec(schemaSql);
    adoptLegacyDuplicatePaths(db);
    db.pragma(`user_version = ${schemaVersion}`);
    return db;
  } catch (error) {
    db?.close();
    throw damagedDatabaseError(path, error);
  }
}

/** Projects from before image_paths kept only the extra paths, in duplicate_paths: move every path over once. */
function adoptLegacyDuplicatePaths(db: Database.Database): void {
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'duplicate_paths'").get()) return;
  db.transaction(() => {
    db.exec('INSERT OR IGNORE INTO image_paths (path, image_id, root, bytes) SELECT path, id, root, bytes FROM images');
    // The old table kept no folder for a copy; its image's folder is the best guess.
    db.exec(`INSERT OR IGNORE INTO image_paths (path, image_id, root)
             SELECT d.path, d.image_id, i.root FROM duplicate_paths d JOIN images i ON i.id = d.image_id`);
    db.exec('DROP TABLE duplicate_paths');
  })();
}

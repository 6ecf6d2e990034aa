/**
 * A project on disk: one SQLite file plus folders for thumbnails, the pixel cache and models. Both the engine
 * process and the training worker open it; WAL mode lets the worker write while the UI reads.
 */
import { mkdirSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type {
  ClassInfo,
  ImageFilter,
  ImageItem,
  ImportFailure,
  JobKind,
  JobState,
  MapPoint,
  RunInfo,
} from '../../../shared/contract';
import { StudioError } from '../../../shared/contract';
import { schemaSql, schemaVersion } from './schema';

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

export interface NewImage {
  path: string;
  root: string;
  relPath: string;
  hash: string;
  bytes: number;
  width: number;
  height: number;
}

interface RunRow {
  id: number;
  kind: JobKind;
  state: JobState;
  started_at: string;
  finished_at: string | null;
  backend: string | null;
  options: string;
  metrics: string;
}

export class ProjectStore {
  readonly layout: ProjectLayout;
  readonly db: Database.Database;

  private constructor(dir: string, db: Database.Database) {
    this.layout = new ProjectLayout(dir);
    this.db = db;
  }

  /** Opens the project in `dir`, creating the folder and database when absent. */
  static open(dir: string): ProjectStore {
    const absolute = resolve(dir);
    if (existsSync(absolute) && !statSync(absolute).isDirectory()) {
      throw new StudioError(`${absolute}: not a folder, so it cannot hold a project`);
    }
    const layout = new ProjectLayout(absolute);
    const isNew = !existsSync(layout.database);
    // A project is created only in an empty or new folder, so a typo cannot scatter files among the user's photos.
    if (isNew && existsSync(absolute) && readdirSync(absolute).some((name) => !name.startsWith('.'))) {
      throw new StudioError(
        `${absolute}: this folder is not empty and holds no project; choose an empty or new folder for the project`,
      );
    }
    for (const folder of [absolute, layout.thumbnails, layout.cache]) mkdirSync(folder, { recursive: true });
    const db = new Database(layout.database);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.exec(schemaSql);
    db.pragma(`user_version = ${schemaVersion}`);
    return new ProjectStore(absolute, db);
  }

  close(): void {
    this.db.close();
  }

  // --- images ---------------------------------------------------------------------------------------------

  imageIdByHash(hash: string): number | undefined {
    const row = this.db.prepare('SELECT id FROM images WHERE hash = ?').get(hash) as { id: number } | undefined;
    return row?.id;
  }

  imageIdByPath(path: string): number | undefined {
    const row = this.db.prepare('SELECT id FROM images WHERE path = ?').get(path) as { id: number } | undefined;
    return row?.id;
  }

  isKnownPath(path: string): boolean {
    return (
      this.imageIdByPath(path) !== undefined ||
      this.db.prepare('SELECT 1 FROM duplicate_paths WHERE path = ?').get(path) !== undefined
    );
  }

  addImage(image: NewImage): number {
    const info = this.db
      .prepare(
        `INSERT INTO images (path, root, rel_path, hash, bytes, width, height)
         VALUES (@path, @root, @relPath, @hash, @bytes, @width, @height)`,
      )
      .run(image);
    this.db.prepare('DELETE FROM import_failures WHERE path = ?').run(image.path);
    return Number(info.lastInsertRowid);
  }

  addDuplicatePath(path: string, imageId: number): void {
    this.db.prepare('INSERT OR REPLACE INTO duplicate_paths (path, image_id) VALUES (?, ?)').run(path, imageId);
  }

  recordFailure(failure: ImportFailure): void {
    this.db
      .prepare("INSERT OR REPLACE INTO import_failures (path, reason, at) VALUES (?, ?, datetime('now'))")
      .run(failure.path, failure.reason);
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

  imagePaths(ids: number[]): Map<number, string> {
    const statement = this.db.prepare('SELECT path FROM images WHERE id = ?');
    return new Map(ids.map((id) => [id, (statement.get(id) as { path: string }).path]));
  }

  count(table: 'images' | 'labels' | 'classes' | 'embeddings' | 'predictions' | 'import_failures' | 'duplicate_paths'): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  }

  listImages(filter: ImageFilter, classId: number | undefined, offset: number, limit: number): { total: number; items: ImageItem[] } {
    const where = {
      all: '1 = 1',
      unlabelled: 'l.class_id IS NULL',
      labelled: 'l.class_id IS NOT NULL',
      class: 'l.class_id = @classId',
      predicted: 'p.class_id = @classId',
    }[filter];
    if ((filter === 'class' || filter === 'predicted') && classId === undefined) {
      throw new StudioError(`The "${filter}" filter needs a classId`);
    }
    // Predictions are reviewed most-confident first; everything else keeps import order.
    const order = filter === 'predicted' ? 'p.confidence DESC, i.id' : 'i.id';
    const from = 'FROM images i LEFT JOIN labels l ON l.image_id = i.id LEFT JOIN predictions p ON p.image_id = i.id';
    const params = { classId: classId ?? null, limit, offset };
    const total = (this.db.prepare(`SELECT COUNT(*) AS n ${from} WHERE ${where}`).get(params) as { n: number }).n;
    const items = this.db
      .prepare(
        `SELECT i.id, i.path, i.rel_path AS relPath, i.width, i.height, l.class_id AS labelId,
                p.class_id AS predictedId, p.confidence
         ${from} WHERE ${where} ORDER BY ${order} LIMIT @limit OFFSET @offset`,
      )
      .all(params) as ImageItem[];
    return { total, items };
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

  createClass(name: string, color?: string): ClassInfo {
    const existing = this.classByName(name);
    if (existing) throw new StudioError(`A class named "${name}" already exists`);
    const chosen = color ?? classPalette[this.count('classes') % classPalette.length];
    const info = this.db.prepare('INSERT INTO classes (name, color) VALUES (?, ?)').run(name, chosen);
    return { id: Number(info.lastInsertRowid), name, color: chosen, count: 0 };
  }

  /** Returns the class named `name`, creating it when absent (used by CSV label import). */
  ensureClass(name: string): ClassInfo {
    return this.classByName(name) ?? this.createClass(name);
  }

  setLabels(imageIds: number[], classId: number | null): number {
    if (classId !== null && !this.db.prepare('SELECT 1 FROM classes WHERE id = ?').get(classId)) {
      throw new StudioError(`No class with id ${classId}`);
    }
    const assign = this.db.prepare(
      `INSERT INTO labels (image_id, class_id) SELECT id, @classId FROM images WHERE id = @imageId
       ON CONFLICT(image_id) DO UPDATE SET class_id = excluded.class_id, updated_at = datetime('now')`,
    );
    const clear = this.db.prepare('DELETE FROM labels WHERE image_id = ?');
    const apply = this.db.transaction((ids: number[]) =>
      ids.reduce((changed, imageId) => {
        const info = classId === null ? clear.run(imageId) : assign.run({ imageId, classId });
        return changed + info.changes;
      }, 0),
    );
    return apply(imageIds);
  }

  /** Labelled images as (imageId, classIndex) with classes indexed 0..K-1 in id order. */
  labelledImages(): { imageId: number; classId: number }[] {
    return this.db
      .prepare('SELECT image_id AS imageId, class_id AS classId FROM labels ORDER BY image_id')
      .all() as { imageId: number; classId: number }[];
  }

  // --- embeddings, map and predictions -------------------------------------------------------------------

  saveEmbeddings(rows: { imageId: number; vector: Float32Array }[]): void {
    const insert = this.db.prepare(
      `INSERT INTO embeddings (image_id, vector, x, y) VALUES (?, ?, NULL, NULL)
       ON CONFLICT(image_id) DO UPDATE SET vector = excluded.vector, x = NULL, y = NULL`,
    );
    this.db.transaction(() => {
      for (const row of rows) insert.run(row.imageId, Buffer.from(row.vector.buffer, row.vector.byteOffset, row.vector.byteLength));
    })();
  }

  embeddings(): { imageId: number; vector: Float32Array }[] {
    const rows = this.db.prepare('SELECT image_id AS imageId, vector FROM embeddings ORDER BY image_id').all() as {
      imageId: number;
      vector: Buffer;
    }[];
    return rows.map((r) => ({
      imageId: r.imageId,
      vector: new Float32Array(r.vector.buffer.slice(r.vector.byteOffset, r.vector.byteOffset + r.vector.byteLength)),
    }));
  }

  saveMapPositions(rows: { imageId: number; x: number; y: number }[]): void {
    const update = this.db.prepare('UPDATE embeddings SET x = ?, y = ? WHERE image_id = ?');
    this.db.transaction(() => {
      for (const row of rows) update.run(row.x, row.y, row.imageId);
    })();
  }

  mapPoints(): MapPoint[] {
    return this.db
      .prepare(
        `SELECT e.image_id AS id, e.x, e.y, l.class_id AS labelId, p.class_id AS predictedId
         FROM embeddings e LEFT JOIN labels l ON l.image_id = e.image_id
         LEFT JOIN predictions p ON p.image_id = e.image_id
         WHERE e.x IS NOT NULL ORDER BY e.image_id`,
      )
      .all() as MapPoint[];
  }

  savePredictions(rows: { imageId: number; classId: number; confidence: number }[]): void {
    const insert = this.db.prepare('INSERT OR REPLACE INTO predictions (image_id, class_id, confidence) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM predictions').run();
      for (const row of rows) insert.run(row.imageId, row.classId, row.confidence);
    })();
  }

  predictionsForExport(): { path: string; label: string; confidence: number }[] {
    return this.db
      .prepare(
        `SELECT i.path, c.name AS label, p.confidence FROM predictions p
         JOIN images i ON i.id = p.image_id JOIN classes c ON c.id = p.class_id ORDER BY i.id`,
      )
      .all() as { path: string; label: string; confidence: number }[];
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

  // --- runs -------------------------------------------------------------------------------------------------

  startRun(kind: JobKind, options: Record<string, unknown>): number {
    const info = this.db.prepare("INSERT INTO runs (kind, state, options) VALUES (?, 'running', ?)").run(kind, JSON.stringify(options));
    return Number(info.lastInsertRowid);
  }

  finishRun(runId: number, state: JobState, metrics: Record<string, number>, backend: string | null): void {
    this.db
      .prepare("UPDATE runs SET state = ?, metrics = ?, backend = ?, finished_at = datetime('now') WHERE id = ?")
      .run(state, JSON.stringify(metrics), backend, runId);
  }

  /** Runs left 'running' by a process that died are marked so, on open, rather than shown as live. */
  markInterruptedRuns(): void {
    this.db.prepare("UPDATE runs SET state = 'cancelled', finished_at = datetime('now') WHERE state = 'running'").run();
  }

  runs(limit = 50): RunInfo[] {
    const rows = this.db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT ?').all(limit) as RunRow[];
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      state: r.state,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      backend: r.backend,
      options: JSON.parse(r.options) as Record<string, unknown>,
      metrics: JSON.parse(r.metrics) as Record<string, number>,
    }));
  }
}

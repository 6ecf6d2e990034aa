/**
 * A project on disk: one SQLite file plus folders for thumbnails, the pixel cache and models. Both the engine
 * process and the training worker open it; WAL mode lets the worker write while the UI reads.
 */
import { mkdirSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { StudioError, modelOutputs } from '../../../shared/contract';
import { ImagePaths } from './image-paths';
import { Images } from './images';
import { LabelHistory } from './label-history';
import { Labels } from './labels';
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
    return join(this.cache, `pixels-${side}-bicubic.u8`);
  }
  get pretrainCheckpoint(): string {
    return join(this.dir, 'models', 'pretrain');
  }
  get classifier(): string {
    return join(this.dir, 'models', 'classifier');
  }
}

export class ProjectStore {
  readonly layout: ProjectLayout;
  /** Images, their folders, import failures and the pixel cache's bookkeeping. */
  readonly images: Images;
  /** Classes, labels and the test set. */
  readonly labels: Labels;
  /** Every label change, for undo and the history panel. */
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
    this.images = new Images(db);
    this.labels = new Labels(db, this.history);
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

  /** How many rows a table holds. */
  count(table: 'images' | 'labels' | 'classes' | 'embeddings' | 'predictions' | 'import_failures' | 'image_paths'): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
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
    retireLibvipsPixelCache(db, dirname(path));
    db.pragma(`user_version = ${schemaVersion}`);
    return db;
  } catch (error) {
    db?.close();
    throw damagedDatabaseError(path, error);
  }
}

/**
 * Projects from before the app resized images itself kept sharp's (libvips') resize in cache/pixels-<side>.u8:
 * those pixels are not what the models now see, so they go, and are cached again when next needed.
 */
function retireLibvipsPixelCache(db: Database.Database, projectDir: string): void {
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pixel_cache'").get()) return;
  db.exec('DROP TABLE pixel_cache');
  // What the models computed from those pixels is stale: the embed and fine-tune jobs redo it from the new ones.
  const stale = db.prepare("INSERT OR REPLACE INTO output_sources (output, encoder) VALUES (?, 'pixels resized by libvips')");
  for (const output of modelOutputs) stale.run(output);
  const cache = new ProjectLayout(projectDir).cache;
  for (const name of existsSync(cache) ? readdirSync(cache) : []) if (/^pixels-\d+\.u8$/.test(name)) rmSync(join(cache, name), { force: true });
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

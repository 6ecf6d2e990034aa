/** The project database's tables. Bump `schemaVersion` and add a migration step when this changes. */
export const schemaVersion = 1;

export const schemaSql = `
CREATE TABLE IF NOT EXISTS images (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,          -- absolute path on disk
  root TEXT NOT NULL,                 -- the imported folder it was found under
  rel_path TEXT NOT NULL,             -- path relative to root, with forward slashes
  hash TEXT NOT NULL UNIQUE,          -- sha256 of the file's bytes
  bytes INTEGER NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  imported_at TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE IF NOT EXISTS duplicate_paths (
  path TEXT PRIMARY KEY,
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS import_failures (
  path TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  at TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE IF NOT EXISTS roots (
  path TEXT PRIMARY KEY,
  imported_at TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE IF NOT EXISTS classes (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  color TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS labels (
  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
  updated_at TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE IF NOT EXISTS embeddings (
  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  vector BLOB NOT NULL,               -- float32 little-endian representation h
  x REAL,
  y REAL
);

CREATE TABLE IF NOT EXISTS predictions (
  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
  confidence REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  state TEXT NOT NULL,
  started_at TEXT NOT NULL DEFAULT (datetime('now')),
  finished_at TEXT,
  backend TEXT,
  options TEXT NOT NULL DEFAULT '{}',
  metrics TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE IF NOT EXISTS pixel_cache (
  side INTEGER NOT NULL,
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  PRIMARY KEY (side, image_id)
);
`;

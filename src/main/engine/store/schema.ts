/**
 * The project database's tables. Bump `schemaVersion` and add a migration step when this changes; a new table
 * needs none, since opening a project runs these CREATE TABLE IF NOT EXISTS (version 2 added the history's
 * renamed classes and kept predictions).
 */
export const schemaVersion = 2;

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

-- Every path an image was found at (images.path is its primary one): duplicates, and files gone missing.
CREATE TABLE IF NOT EXISTS image_paths (
  path TEXT PRIMARY KEY,
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  root TEXT NOT NULL,                 -- the imported folder (or a dropped file's folder) it was found under
  bytes INTEGER NOT NULL DEFAULT -1,  -- size and mtime when last read: a rescan re-reads only files that changed
  mtime_ms REAL NOT NULL DEFAULT -1,
  missing INTEGER NOT NULL DEFAULT 0  -- 1 when a rescan no longer found the file (its labels are kept)
);
CREATE INDEX IF NOT EXISTS image_paths_by_image ON image_paths (image_id);

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

-- The label history: one row per undoable change (setLabels, a CSV import, a merge, a delete, a new class, a rename).
CREATE TABLE IF NOT EXISTS label_changes (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL DEFAULT (datetime('now')),
  summary TEXT NOT NULL,
  actor TEXT NOT NULL,                -- 'user' | 'csv' | 'folders'
  undone INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS label_change_items (
  change_id INTEGER NOT NULL REFERENCES label_changes(id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  before_class INTEGER,               -- no foreign key: a deleted class is recreated by undo with its id
  after_class INTEGER,
  PRIMARY KEY (change_id, image_id)
);

-- Classes a change deleted (delete, merge), so undo can recreate them with their id, name and colour.
CREATE TABLE IF NOT EXISTS label_change_classes (
  change_id INTEGER NOT NULL REFERENCES label_changes(id) ON DELETE CASCADE,
  class_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  color TEXT NOT NULL,
  PRIMARY KEY (change_id, class_id)
);

-- Classes a change created (a new class, a CSV's new names): undo removes them once unused, keeping name and colour for redo.
CREATE TABLE IF NOT EXISTS label_change_created_classes (
  change_id INTEGER NOT NULL REFERENCES label_changes(id) ON DELETE CASCADE,
  class_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  color TEXT NOT NULL,
  PRIMARY KEY (change_id, class_id)
);

-- Classes a change renamed (a rename), so undo and redo can give each the name it had on either side.
CREATE TABLE IF NOT EXISTS label_change_renamed_classes (
  change_id INTEGER NOT NULL REFERENCES label_changes(id) ON DELETE CASCADE,
  class_id INTEGER NOT NULL,
  before_name TEXT NOT NULL,
  after_name TEXT NOT NULL,
  PRIMARY KEY (change_id, class_id)
);

-- Predictions that went with a class a change deleted (a foreign key cascades them away), so its undo restores them.
CREATE TABLE IF NOT EXISTS label_change_predictions (
  change_id INTEGER NOT NULL REFERENCES label_changes(id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  class_id INTEGER NOT NULL,
  confidence REAL NOT NULL,
  PRIMARY KEY (change_id, image_id)
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

-- Labels that are probably wrong, from the last fine-tune's out-of-fold probabilities (confident learning):
-- the label the image had then, the class it is confidently of, and how much likelier that class is.
-- A flag is shown only while the image keeps that label, so relabelling it (or an undo) settles it.
CREATE TABLE IF NOT EXISTS label_issues (
  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  flagged_class_id INTEGER NOT NULL,
  suggested_class_id INTEGER NOT NULL,
  score REAL NOT NULL
);

-- Labelled images the user keeps as a test set: no fine-tune trains on them or chooses by them; each run
-- reports its chosen model's accuracy on them. An image leaves the set only when the user takes it out.
CREATE TABLE IF NOT EXISTS test_images (
  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE
);

-- The chosen model's out-of-fold prediction of each labelled image at the last fine-tune (its confusion matrix's
-- cells), with the label it had then; a cell's images are those that keep that label.
CREATE TABLE IF NOT EXISTS held_out_predictions (
  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  labelled_class_id INTEGER NOT NULL,
  predicted_class_id INTEGER NOT NULL
);

-- What a finished run returned (its JobResult as JSON), so a page opened later shows it as it was shown then.
CREATE TABLE IF NOT EXISTS run_results (
  run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  result TEXT NOT NULL
);

-- What a run said worth keeping (its start, phases, epochs, end), shown again when its page is reopened.
CREATE TABLE IF NOT EXISTS run_log (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS run_log_by_run ON run_log (run_id);

-- A run's loss after each training step: its loss curve, kept with the run.
CREATE TABLE IF NOT EXISTS run_losses (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  loss REAL NOT NULL,
  PRIMARY KEY (run_id, step)
);

-- Which encoder each kind of model output came from (its checkpoint's version), so a newer encoder shows them stale.
CREATE TABLE IF NOT EXISTS output_sources (
  output TEXT PRIMARY KEY CHECK (output IN ('embeddings', 'map', 'predictions')),
  encoder TEXT NOT NULL,
  recorded_at TEXT NOT NULL DEFAULT (datetime('now'))
);

-- Which images the pixel cache of each side holds (pixel_cache, before it, held libvips-resized pixels).
CREATE TABLE IF NOT EXISTS model_pixels (
  side INTEGER NOT NULL,
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  PRIMARY KEY (side, image_id)
);
`;

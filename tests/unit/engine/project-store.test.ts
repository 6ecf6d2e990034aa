import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ProjectStore } from '../../../src/main/engine/store/project-store';
import { tempDir } from '../../helpers/images';
import { storeWithImages } from '../../helpers/store';
import { readProjectDatabase } from '../../helpers/project-db';

test('opening a new folder creates the SQLite file and its sub-folders', () => {
  const dir = join(tempDir(), 'fresh');
  const store = ProjectStore.open(dir);
  assert.ok(existsSync(join(dir, 'project.sqlite')));
  assert.ok(existsSync(join(dir, 'thumbnails')));
  assert.equal(readProjectDatabase(store, (db) => db.pragma('journal_mode', { simple: true })), 'wal');
  store.close();
});

test('a non-empty folder without a project is refused with its path in the message', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'holiday.jpg'), 'x');
  assert.throws(() => ProjectStore.open(dir), (error: Error) => error.message.includes(dir) && /not empty/.test(error.message));
});

test('reopening a project keeps its images and labels', () => {
  const store = storeWithImages(3);
  const dir = store.layout.dir;
  const cat = store.labels.createClass('cat');
  store.labels.set([1, 2], cat.id);
  store.close();
  const again = ProjectStore.open(dir);
  assert.equal(again.count('images'), 3);
  assert.deepEqual(again.labels.classes().map((c) => [c.name, c.count]), [['cat', 2]]);
  again.close();
});

test('labels can be assigned, moved to another class and cleared', () => {
  const store = storeWithImages(4);
  const cat = store.labels.createClass('cat');
  const dog = store.labels.createClass('dog', '#00aa00');
  assert.equal(store.labels.set([1, 2, 3], cat.id), 3);
  assert.equal(store.labels.set([3], dog.id), 1);
  assert.equal(store.labels.set([1], null), 1);
  assert.deepEqual(store.labels.classes().map((c) => [c.name, c.color, c.count]), [
    ['cat', cat.color, 1],
    ['dog', '#00aa00', 1],
  ]);
  assert.deepEqual(store.images.list('unlabelled', undefined, 0, 10).items.map((i) => i.id), [1, 4]);
  assert.deepEqual(store.images.list('class', dog.id, 0, 10).items.map((i) => i.id), [3]);
  assert.throws(() => store.labels.set([1], 999), /No class with id 999/);
  assert.throws(() => store.labels.createClass('cat'), /already exists/);
});

test('listImages pages through images in import order with a total', () => {
  const store = storeWithImages(7);
  const page = store.images.list('all', undefined, 5, 5);
  assert.equal(page.total, 7);
  assert.deepEqual(page.items.map((i) => i.id), [6, 7]);
});

test('embeddings round-trip as float32 and map positions join labels and predictions', () => {
  const store = storeWithImages(2);
  const cls = store.labels.createClass('a');
  store.labels.set([2], cls.id);
  store.outputs.saveEmbeddings([
    { imageId: 1, vector: new Float32Array([0.5, -1.25, 3]) },
    { imageId: 2, vector: new Float32Array([1, 2, 3]) },
  ]);
  assert.deepEqual([...store.outputs.embeddings()[0].vector], [0.5, -1.25, 3]);
  assert.equal(store.outputs.mapPoints().length, 0, 'points without map positions are not on the map');
  store.outputs.saveMapPositions([
    { imageId: 1, x: 0.1, y: 0.2 },
    { imageId: 2, x: 0.3, y: 0.4 },
  ]);
  store.outputs.savePredictions([{ imageId: 1, classId: cls.id, confidence: 0.9 }]);
  assert.deepEqual(store.outputs.mapPoints(), [
    { id: 1, x: 0.1, y: 0.2, labelId: null, predictedId: cls.id, confidence: 0.9, flagged: false },
    { id: 2, x: 0.3, y: 0.4, labelId: cls.id, predictedId: null, confidence: null, flagged: false },
  ]);
  // A label the fine-tune doubted is flagged on the map while it is still the label it doubted.
  store.outputs.saveLabelIssues([{ imageId: 2, flaggedClassId: cls.id, suggestedClassId: cls.id, score: 0.8 }]);
  assert.equal(store.outputs.mapPoints()[1].flagged, true);
  store.labels.set([2], null);
  assert.equal(store.outputs.mapPoints()[1].flagged, false);
});

test('runs left running by a dead process are marked cancelled on open', () => {
  const store = storeWithImages(0);
  const id = store.runs.start('pretrain', { epochs: 3 });
  store.runs.markInterrupted();
  const run = store.runs.list().find((r) => r.id === id)!;
  assert.equal(run.state, 'cancelled');
  assert.deepEqual(run.options, { epochs: 3 });
});

test('a project cached with libvips-resized pixels drops that cache on open and shows its outputs stale', () => {
  const dir = join(tempDir(), 'legacy');
  ProjectStore.open(dir).close();
  // What a project from before the app's own resize held: the old table, its cache file, outputs of an encoder.
  const db = new Database(join(dir, 'project.sqlite'));
  db.exec("CREATE TABLE pixel_cache (side INTEGER NOT NULL, image_id INTEGER NOT NULL, PRIMARY KEY (side, image_id)); INSERT INTO output_sources (output, encoder) VALUES ('embeddings', 'abc')");
  db.close();
  writeFileSync(join(dir, 'cache', 'pixels-32.u8'), 'old pixels');
  writeFileSync(join(dir, 'cache', 'pixels-32-bicubic.u8'), 'new pixels');

  const store = ProjectStore.open(dir);
  assert.equal(existsSync(join(dir, 'cache', 'pixels-32.u8')), false);
  assert.equal(existsSync(join(dir, 'cache', 'pixels-32-bicubic.u8')), true, 'the current cache is kept');
  assert.deepEqual(readProjectDatabase(store, (d) => d.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'pixel_cache'").get()), { n: 0 });
  assert.deepEqual([...store.outputs.sources().values()], ['pixels resized by libvips', 'pixels resized by libvips', 'pixels resized by libvips']);
  store.close();
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importFolder, importPaths } from '../../../src/main/engine/import/import-folder';
import { ProjectStore } from '../../../src/main/engine/store/project-store';
import { tempDir, writeImage } from '../../helpers/images';
import { readProjectDatabase } from '../../helpers/project-db';

const newProject = () => ProjectStore.open(join(tempDir(), 'project'));
const primaryPath = (store: ProjectStore, id: number) => readProjectDatabase(store, (db) => db.prepare('SELECT path FROM images WHERE id = ?').pluck().get(id));
const pathRows = (store: ProjectStore) =>
  readProjectDatabase(store, (db) => db.prepare('SELECT path, image_id AS imageId, missing FROM image_paths ORDER BY path').all() as { path: string; imageId: number; missing: number }[]);

test('a first import reports added = imported and nothing missing or moved', async () => {
  const root = join(tempDir(), 'photos');
  await writeImage(join(root, 'a.png'), { rgb: [1, 2, 3] });
  await writeImage(join(root, 'b.png'), { rgb: [4, 5, 6] });
  const result = await importFolder(newProject(), root);
  assert.deepEqual({ ...result, failed: result.failed.length }, { imported: 2, duplicates: 0, failed: 0, added: 2, changed: 0, missing: 0, moved: 0, labelled: 0 });
});

test('the same bytes under two paths are one image with both paths, listed by the duplicates filter', async () => {
  const root = join(tempDir(), 'photos');
  await writeImage(join(root, 'a.png'), { rgb: [10, 20, 30] });
  await writeImage(join(root, 'b.png'), { rgb: [90, 20, 30] });
  copyFileSync(join(root, 'a.png'), join(root, 'copy-of-a.png'));
  const store = newProject();
  const result = await importFolder(store, root);
  assert.equal(result.imported, 2);
  assert.equal(result.duplicates, 1);
  const a = store.images.idByPath(join(root, 'a.png'))!;
  assert.equal(store.images.idByPath(join(root, 'copy-of-a.png')), a);
  assert.equal(primaryPath(store, a), join(root, 'a.png'), 'the first path found stays the primary one');
  assert.deepEqual(store.images.list('duplicates', undefined, 0, 10).items.map((i) => i.id), [a]);
  assert.equal(store.images.duplicatePathCount(), 1);
});

test('a rescan adds new files, re-reads changed ones, marks deleted ones missing and follows moved ones by hash', async () => {
  const root = join(tempDir(), 'photos');
  await writeImage(join(root, 'deleted.png'), { rgb: [10, 10, 10] });
  await writeImage(join(root, 'moved.png'), { rgb: [20, 20, 20] });
  await writeImage(join(root, 'edited.png'), { rgb: [30, 30, 30] });
  await writeImage(join(root, 'same.png'), { rgb: [40, 40, 40] });
  const store = newProject();
  await importFolder(store, root);
  const id = (name: string) => store.images.idByPath(join(root, name))!;
  const [deletedId, movedId, editedId] = [id('deleted.png'), id('moved.png'), id('edited.png')];
  const cat = store.labels.createClass('cat');
  store.labels.set([deletedId, movedId, editedId], cat.id);
  const editedThumbnail = readFileSync(store.layout.thumbnail(editedId));

  rmSync(join(root, 'deleted.png'));
  mkdirSync(join(root, 'elsewhere'));
  renameSync(join(root, 'moved.png'), join(root, 'elsewhere', 'moved-here.png'));
  await writeImage(join(root, 'edited.png'), { rgb: [30, 200, 30] }); // same path, other bytes
  utimesSync(join(root, 'edited.png'), new Date(), new Date(Date.now() + 5000)); // a clearly later mtime
  await writeImage(join(root, 'new.png'), { rgb: [50, 50, 50] });

  const progress: number[] = [];
  const result = await importFolder(store, root, { onProgress: (p) => progress.push(p.total) });
  assert.deepEqual({ ...result, failed: result.failed.length }, { imported: 2, duplicates: 0, failed: 0, added: 1, changed: 1, missing: 1, moved: 1, labelled: 0 });
  assert.equal(progress.at(-1), 3, 'only the new, changed and moved files are read; same.png is not');

  assert.equal(store.count('images'), 5, 'the deleted image is kept');
  assert.equal(primaryPath(store, movedId), join(root, 'elsewhere', 'moved-here.png'));
  assert.equal(store.images.idByPath(join(root, 'moved.png')), undefined, 'the old path of a moved file is dropped');
  assert.deepEqual(pathRows(store).filter((r) => r.missing).map((r) => r.path), [join(root, 'deleted.png')]);
  assert.equal(id('edited.png'), editedId, 'a changed file keeps its image (and label), with new content');
  assert.notDeepEqual(readFileSync(store.layout.thumbnail(editedId)), editedThumbnail, 'its thumbnail is redone');
  const labelled = new Map(store.labels.labelled().map((l) => [l.imageId, l.classId]));
  for (const kept of [deletedId, movedId, editedId]) assert.equal(labelled.get(kept), cat.id, `image ${kept} keeps its label`);

  const again = await importFolder(store, root);
  assert.deepEqual({ ...again, failed: again.failed.length }, { imported: 0, duplicates: 0, failed: 0, added: 0, changed: 0, missing: 0, moved: 0, labelled: 0 });

  await writeImage(join(root, 'deleted.png'), { rgb: [10, 10, 10] }); // restored from a backup
  const restored = await importFolder(store, root);
  assert.equal(restored.added, 0);
  assert.equal(id('deleted.png'), deletedId);
  assert.deepEqual(pathRows(store).filter((r) => r.missing), [], 'nothing is missing any more');
});

test('a file deleted in one rescan and found under a new name in a later one has moved', async () => {
  const root = join(tempDir(), 'photos');
  const bytes = await writeImage(join(root, 'a.png'), { rgb: [70, 10, 10] });
  const store = newProject();
  await importFolder(store, root);
  const imageId = store.images.idByPath(join(root, 'a.png'))!;
  rmSync(join(root, 'a.png'));
  assert.equal((await importFolder(store, root)).missing, 1);
  writeFileSync(join(root, 'renamed.png'), bytes);
  const later = await importFolder(store, root);
  assert.deepEqual([later.moved, later.duplicates, later.added], [1, 0, 0]);
  assert.equal(primaryPath(store, imageId), join(root, 'renamed.png'));
});

test('an ImageFolder layout becomes labels on request, keeping labels the user already set', async () => {
  const root = join(tempDir(), 'dataset');
  await writeImage(join(root, 'cat', '1.png'), { rgb: [200, 0, 0] });
  await writeImage(join(root, 'cat', '2.png'), { rgb: [201, 0, 0] });
  await writeImage(join(root, 'dog', 'nested', '3.png'), { rgb: [0, 200, 0] });
  await writeImage(join(root, 'top.png'), { rgb: [0, 0, 200] });
  const store = newProject();
  const plain = await importFolder(store, root);
  assert.equal(plain.labelled, 0, 'without the option nothing is labelled');
  const bird = store.labels.createClass('bird');
  store.labels.set([store.images.idByPath(join(root, 'cat', '2.png'))!], bird.id);

  const result = await importFolder(store, root, { labelsFromSubfolders: true });
  assert.equal(result.labelled, 2);
  const names = new Map(store.labels.classes().map((c) => [c.id, c.name]));
  const labelOf = new Map(store.labels.labelled().map((l) => [l.imageId, names.get(l.classId)]));
  const label = (rel: string) => labelOf.get(store.images.idByPath(join(root, rel))!);
  assert.equal(label('cat/1.png'), 'cat');
  assert.equal(label('cat/2.png'), 'bird', "the user's label wins");
  assert.equal(label('dog/nested/3.png'), 'dog', 'the first sub-folder names the class');
  assert.equal(label('top.png'), undefined, 'a file directly in the folder has no class');

  // Undo takes back the folder labels and the classes they created; the user's class stays.
  store.history.undo();
  assert.deepEqual(store.labels.classes().map((c) => c.name), ['bird']);
  store.history.redo();
  assert.deepEqual(store.labels.classes().map((c) => c.name).sort(), ['bird', 'cat', 'dog']);
});

test('several folders and single files import at once; a path that does not exist is reported', async () => {
  const base = tempDir();
  await writeImage(join(base, 'one', 'a.png'), { rgb: [1, 100, 1] });
  await writeImage(join(base, 'two', 'b.png'), { rgb: [2, 100, 2] });
  await writeImage(join(base, 'loose', 'c.jpg'), { rgb: [3, 100, 3], format: 'jpeg' });
  await writeImage(join(base, 'loose', 'sibling.png'), { rgb: [4, 100, 4] });
  writeFileSync(join(base, 'loose', 'notes.txt'), 'not a picture');
  const store = newProject();
  const paths = [join(base, 'one'), join(base, 'two'), join(base, 'loose', 'c.jpg'), join(base, 'loose', 'notes.txt'), join(base, 'gone')];
  const result = await importPaths(store, paths);
  assert.equal(result.imported, 3, 'the sibling of a dropped file is not imported');
  assert.deepEqual(
    result.failed.map((f) => [f.path, f.reason]).sort(),
    [
      [join(base, 'gone'), 'file not found'],
      [join(base, 'loose', 'notes.txt'), 'not an image (unsupported file ending)'],
    ],
  );
  assert.deepEqual(store.images.roots(), [join(base, 'one'), join(base, 'two')]);
  // Rescanning one dropped file does not take its unimported sibling, or the other folders, as missing.
  const again = await importPaths(store, [join(base, 'loose', 'c.jpg')]);
  assert.deepEqual([again.imported, again.missing], [0, 0]);
});

test('labels from the sub-folders of several folders imported together are one undoable change', async () => {
  const base = tempDir();
  await writeImage(join(base, 'first', 'cat', '1.png'), { rgb: [200, 10, 10] });
  await writeImage(join(base, 'second', 'dog', '2.png'), { rgb: [10, 200, 10] });
  const store = newProject();
  const result = await importPaths(store, [join(base, 'first'), join(base, 'second')], { labelsFromSubfolders: true });
  assert.equal(result.labelled, 2);
  assert.deepEqual(store.labels.classes().map((c) => c.name).sort(), ['cat', 'dog']);
  store.history.undo();
  assert.deepEqual(store.labels.labelled(), [], 'one undo takes back the labels of both folders');
  assert.deepEqual(store.labels.classes(), []);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../../src/main/engine/engine';
import { ProjectStore } from '../../../src/main/engine/store/project-store';
import { tempDir } from '../../helpers/images';
import { labelsOf, storeWithImages } from '../../helpers/store';
import { readProjectDatabase } from '../../helpers/project-db';

test('each setLabels is one change that undo reverts and redo re-applies', () => {
  const store = storeWithImages(4);
  const cat = store.labels.createClass('cat');
  const dog = store.labels.createClass('dog');
  assert.equal(store.labels.set([1, 2, 3], cat.id), 3);
  assert.equal(store.labels.set([3, 4], dog.id), 2);
  assert.deepEqual(labelsOf(store, 4), [cat.id, cat.id, dog.id, dog.id]);
  assert.deepEqual(store.history.state(), { canUndo: true, canRedo: false, nextUndo: '2 images → dog', nextRedo: null });

  assert.equal(store.history.undo(), 2);
  assert.deepEqual(labelsOf(store, 4), [cat.id, cat.id, cat.id, null]);
  assert.equal(store.history.undo(), 3);
  assert.deepEqual(labelsOf(store, 4), [null, null, null, null]);
  assert.equal(store.history.state().nextUndo, 'created class dog');

  assert.equal(store.history.redo(), 3);
  assert.deepEqual(labelsOf(store, 4), [cat.id, cat.id, cat.id, null]);
  assert.deepEqual(store.history.state(), { canUndo: true, canRedo: true, nextUndo: '3 images → cat', nextRedo: '2 images → dog' });
});

test('a new change after an undo discards the redo branch', () => {
  const store = storeWithImages(3);
  const cat = store.labels.createClass('cat');
  store.labels.set([1], cat.id);
  store.labels.set([2], cat.id);
  store.history.undo();
  store.labels.set([3], null); // image 3 has no label: nothing changes, so the redo branch stays
  assert.equal(store.history.state().canRedo, true);
  store.labels.set([3], cat.id);
  assert.equal(store.history.state().canRedo, false);
  assert.throws(() => store.history.redo(), /Nothing to redo/);
  assert.deepEqual(labelsOf(store, 3), [cat.id, null, cat.id]);
  assert.deepEqual(
    store.history.changes(10).map((c) => [c.summary, c.imageCount, c.undone]),
    [['1 image → cat', 1, false], ['1 image → cat', 1, false], ['created class cat', 0, false]],
  );
});

test('merge moves the sources’ labels to the target, deletes the sources, and undo brings them back', () => {
  const store = storeWithImages(5);
  const cat = store.labels.createClass('cat', '#111111');
  const kitten = store.labels.createClass('kitten', '#222222');
  const tabby = store.labels.createClass('tabby', '#333333');
  store.labels.set([1], cat.id);
  store.labels.set([2, 3], kitten.id);
  store.labels.set([4], tabby.id);

  assert.equal(store.labels.mergeClasses([kitten.id, tabby.id], cat.id), 3);
  assert.deepEqual(labelsOf(store, 5), [cat.id, cat.id, cat.id, cat.id, null]);
  assert.deepEqual(store.labels.classes().map((c) => [c.name, c.count]), [['cat', 4]]);
  assert.equal(store.history.state().nextUndo, 'merged kitten, tabby into cat');

  assert.equal(store.history.undo(), 3);
  assert.deepEqual(labelsOf(store, 5), [cat.id, kitten.id, kitten.id, tabby.id, null]);
  assert.deepEqual(store.labels.classes(), [
    { id: cat.id, name: 'cat', color: '#111111', count: 1 },
    { id: kitten.id, name: 'kitten', color: '#222222', count: 2 },
    { id: tabby.id, name: 'tabby', color: '#333333', count: 1 },
  ]);
  store.history.redo();
  assert.deepEqual(store.labels.classes().map((c) => [c.name, c.count]), [['cat', 4]]);
  assert.throws(() => store.labels.mergeClasses([cat.id], cat.id), /other than the target/);
});

test('delete unlabels the class’s images; undo recreates it with its id, name and colour', () => {
  const store = storeWithImages(4);
  const cat = store.labels.createClass('cat');
  const dog = store.labels.createClass('dog', '#abcdef');
  store.labels.set([1, 2], dog.id);
  store.labels.set([3], cat.id);

  assert.equal(store.labels.deleteClass(dog.id), 2);
  assert.deepEqual(labelsOf(store, 4), [null, null, cat.id, null]);
  assert.equal(store.history.state().nextUndo, 'deleted class dog (2 images)');
  // A class created meanwhile must not take the deleted class's id, which undo will need again.
  const bird = store.labels.createClass('bird');
  assert.ok(bird.id > dog.id);

  assert.equal(store.history.undo(), 0); // bird's creation, the latest change
  assert.equal(store.history.undo(), 2);
  assert.deepEqual(labelsOf(store, 4), [dog.id, dog.id, cat.id, null]);
  assert.deepEqual(store.labels.classById(dog.id), { id: dog.id, name: 'dog', color: '#abcdef', count: 2 });
});

test('undoing a delete refuses, with the reason, when another class took the name meanwhile', () => {
  const store = storeWithImages(1);
  const dog = store.labels.createClass('dog');
  store.labels.set([1], dog.id);
  store.labels.deleteClass(dog.id);
  const newDog = store.labels.createClass('dog');
  // A fine-tune predicts the new dog, so undoing its creation keeps it (as with a CSV import's classes).
  store.outputs.savePredictions([{ imageId: 1, classId: newDog.id, confidence: 0.8 }]);
  store.history.undo();
  assert.deepEqual(store.labels.classes().map((c) => c.id), [newDog.id]);
  assert.throws(() => store.history.undo(), /class "dog".*rename that one first/);
  assert.equal(store.history.state().canUndo, true);
});

test('rename keeps names unique and recolour changes only the colour', () => {
  const store = storeWithImages(1);
  const cat = store.labels.createClass('cat');
  const dog = store.labels.createClass('dog');
  store.labels.set([1], cat.id);
  assert.throws(() => store.labels.renameClass(dog.id, 'cat'), /A class named "cat" already exists; choose another name/);
  assert.deepEqual(store.labels.renameClass(cat.id, 'feline'), { id: cat.id, name: 'feline', color: cat.color, count: 1 });
  assert.deepEqual(store.labels.recolorClass(cat.id, '#000000'), { id: cat.id, name: 'feline', color: '#000000', count: 1 });
  assert.deepEqual(store.labels.renameClass(cat.id, 'feline').name, 'feline');
  assert.throws(() => store.labels.renameClass(99, 'x'), /No class with id 99/);
});

test('creating and renaming a class are undoable changes, named in the history', () => {
  const store = storeWithImages(1);
  const cat = store.labels.createClass('cat', '#123456');
  assert.equal(store.history.state().nextUndo, 'created class cat');
  store.labels.renameClass(cat.id, 'feline');
  assert.equal(store.history.state().nextUndo, 'renamed class cat to feline');
  store.labels.renameClass(cat.id, 'feline'); // the name it has already: nothing to undo
  assert.equal(store.history.changes(10).length, 2);

  store.history.undo();
  assert.deepEqual(store.labels.classes(), [{ id: cat.id, name: 'cat', color: '#123456', count: 0 }]);
  store.history.undo();
  assert.deepEqual(store.labels.classes(), []);
  store.history.redo();
  assert.deepEqual(store.labels.classes(), [{ id: cat.id, name: 'cat', color: '#123456', count: 0 }]);
  store.history.redo();
  assert.equal(store.labels.classById(cat.id).name, 'feline');
  assert.deepEqual(store.history.state(), { canUndo: true, canRedo: false, nextUndo: 'renamed class cat to feline', nextRedo: null });
});

test('a CSV import through the engine is one undoable change by the csv actor, and labels --out writes the labels', async () => {
  const store = storeWithImages(3);
  const dir = store.layout.dir;
  store.close();
  const engine = new Engine();
  await engine.openProject({ dir });
  const csv = join(tempDir(), 'labels.csv');
  writeFileSync(csv, 'path,label\n/data/img1.png,cat\n/data/img2.png,dog\n/data/img3.png,cat\n/data/missing.png,cat\n');
  assert.deepEqual(await engine.importLabelsCsv({ csvPath: csv }), { labelled: 3, unmatched: ['/data/missing.png'] });
  const { changes, state } = await engine.call('labelHistory', {});
  assert.deepEqual(changes.map((c) => [c.summary, c.imageCount]), [['labels from labels.csv (3 images)', 3]]);
  assert.equal(readProjectDatabase(engine.store, (db) => db.prepare('SELECT actor FROM label_changes').pluck().get()), 'csv');
  assert.equal(state.canUndo, true);

  const out = join(tempDir(), 'out.csv');
  assert.deepEqual(await engine.writeLabelsCsv({ outPath: out }), { labelled: 3 });
  assert.equal(readFileSync(out, 'utf8'), 'path,label\n/data/img1.png,cat\n/data/img2.png,dog\n/data/img3.png,cat\n');
  assert.deepEqual(
    (await engine.undoLabels()).history,
    { canUndo: false, canRedo: true, nextUndo: null, nextRedo: 'labels from labels.csv (3 images)' },
  );
  assert.equal(engine.store.count('labels'), 0);
  engine.close();
});

test('undoing a CSV import removes the classes it created once they hold no labels; redo brings them back', async () => {
  const store = storeWithImages(4);
  const dir = store.layout.dir;
  const cat = store.labels.createClass('cat', '#111111'); // the user's own class, still empty: the import only uses it
  store.labels.set([4], cat.id);
  store.close();
  const engine = new Engine();
  await engine.openProject({ dir });
  const csv = join(tempDir(), 'more.csv');
  writeFileSync(csv, 'path,label\n/data/img1.png,cat\n/data/img2.png,dog\n/data/img3.png,bird\n/data/img4.png,dog\n');
  await engine.importLabelsCsv({ csvPath: csv });
  const imported = engine.store.labels.classes();
  assert.deepEqual(imported.map((c) => [c.name, c.count]), [['cat', 1], ['dog', 2], ['bird', 1]]);
  const [dog, bird] = imported.slice(1);
  engine.store.labels.renameClass(bird.id, 'finch'); // a change of its own, after the import

  await engine.undoLabels();
  assert.equal(engine.store.labels.classById(bird.id).name, 'bird');
  await engine.undoLabels();
  assert.deepEqual(labelsOf(engine.store, 4), [null, null, null, cat.id]);
  assert.deepEqual(engine.store.labels.classes(), [{ id: cat.id, name: 'cat', color: '#111111', count: 1 }]);

  await engine.redoLabels();
  assert.deepEqual(labelsOf(engine.store, 4), [cat.id, dog.id, bird.id, dog.id]);
  await engine.redoLabels();
  assert.deepEqual(engine.store.labels.classes().map((c) => [c.id, c.name, c.color, c.count]), [
    [cat.id, 'cat', '#111111', 1],
    [dog.id, 'dog', dog.color, 2],
    [bird.id, 'finch', bird.color, 1],
  ]);

  // A class created after an undo discards the redo branch and must not take an id that branch had.
  await engine.undoLabels();
  await engine.undoLabels();
  const fish = engine.store.labels.createClass('fish');
  assert.ok(fish.id > bird.id);
  assert.equal(engine.store.history.state().canRedo, false);
  engine.close();
});

test('undoing an import keeps a class it created while the last fine-tune still predicts it', () => {
  const store = storeWithImages(2);
  store.labels.applyByName([{ imageId: 1, className: 'dog' }, { imageId: 2, className: 'cat' }], 'csv', 'labels from a.csv');
  const [dog, cat] = store.labels.classes();
  store.outputs.savePredictions([{ imageId: 1, classId: dog.id, confidence: 0.9 }, { imageId: 2, classId: dog.id, confidence: 0.6 }]);
  store.history.undo();
  assert.deepEqual(store.labels.classes().map((c) => [c.name, c.count]), [['dog', 0]]);
  assert.equal(store.count('predictions'), 2);
  store.history.redo();
  assert.deepEqual(store.labels.classes().map((c) => [c.id, c.count]), [[dog.id, 1], [cat.id, 1]]);
});

/** Every image's prediction as [imageId, classId, confidence], in id order. */
function predictionsOf(store: ProjectStore): [number, number, number][] {
  const rows = readProjectDatabase(store, (db) => db.prepare('SELECT image_id, class_id, confidence FROM predictions ORDER BY image_id').raw().all());
  return rows as [number, number, number][];
}

test('undoing a class delete or merge brings back the predictions of that class, even after the project is reopened', () => {
  let store = storeWithImages(30);
  const dir = store.layout.dir;
  const [cat, dog, bird] = ['cat', 'dog', 'bird'].map((name) => store.labels.createClass(name));
  store.labels.set([1, 2], dog.id);
  const classes = [cat, dog, bird];
  store.outputs.savePredictions(Array.from({ length: 30 }, (_, i) => ({ imageId: i + 1, classId: classes[i % 3].id, confidence: 0.5 + i / 100 })));
  const predicted = predictionsOf(store);

  store.labels.deleteClass(dog.id);
  assert.equal(store.count('predictions'), 20); // the class's own predictions go with it
  store.close();
  store = ProjectStore.open(dir); // the history lives in the project file, not in memory
  store.history.undo();
  assert.deepEqual(predictionsOf(store), predicted);
  assert.deepEqual(labelsOf(store, 3), [dog.id, dog.id, null]);

  store.history.redo();
  assert.equal(store.count('predictions'), 20);
  store.history.undo();
  assert.deepEqual(predictionsOf(store), predicted);

  store.labels.mergeClasses([bird.id], cat.id);
  assert.equal(store.count('predictions'), 20);
  store.history.undo();
  assert.deepEqual(predictionsOf(store), predicted);
  store.close();
});

test('undoing a class delete keeps the predictions of a fine-tune made after it', () => {
  const store = storeWithImages(4);
  const [cat, dog] = ['cat', 'dog'].map((name) => store.labels.createClass(name));
  store.outputs.savePredictions([1, 2, 3, 4].map((imageId) => ({ imageId, classId: imageId % 2 ? cat.id : dog.id, confidence: 0.7 })));
  store.labels.deleteClass(dog.id);
  // A fine-tune without dog predicts cat for all but image 4, which it leaves out.
  store.outputs.savePredictions([1, 2, 3].map((imageId) => ({ imageId, classId: cat.id, confidence: 0.9 })));
  store.history.undo();
  // The newer predictions stand; only an image the newer fine-tune left without one gets its old prediction back.
  assert.deepEqual(predictionsOf(store), [[1, cat.id, 0.9], [2, cat.id, 0.9], [3, cat.id, 0.9], [4, dog.id, 0.7]]);
});

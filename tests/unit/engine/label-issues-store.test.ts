/** Flags of probably wrong labels in a real project file: a review queue that settles as the user relabels. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storeWithImages } from '../../helpers/store';

/** Five images: 1–3 labelled cat, 4–5 dog. */
function catsAndDogs() {
  const store = storeWithImages(5);
  const cat = store.labels.createClass('cat').id;
  const dog = store.labels.createClass('dog').id;
  store.labels.set([1, 2, 3], cat);
  store.labels.set([4, 5], dog);
  return { store, cat, dog };
}

test('flagged labels are listed likeliest first, filtered and sorted in the grid, and settle when relabelled', () => {
  const { store, cat, dog } = catsAndDogs();
  store.outputs.saveLabelIssues([
    { imageId: 2, flaggedClassId: cat, suggestedClassId: dog, score: 0.6 },
    { imageId: 5, flaggedClassId: dog, suggestedClassId: cat, score: 0.9 },
  ]);
  assert.deepEqual(store.outputs.labelIssues().map((i) => [i.imageId, i.labelId, i.suggestedId, i.path]), [
    [5, dog, cat, '/data/img5.png'],
    [2, cat, dog, '/data/img2.png'],
  ]);
  assert.deepEqual(store.images.list('labelIssues', undefined, 0, 10, { sort: 'labelIssue' }).items.map((i) => i.id), [5, 2]);

  // Relabelled (to anything): the flag no longer stands; undone, it stands again.
  store.labels.set([5], cat);
  assert.deepEqual(store.outputs.labelIssues().map((i) => i.imageId), [2]);
  assert.equal(store.images.list('labelIssues', undefined, 0, 10).total, 1);
  store.history.undo();
  assert.deepEqual(store.outputs.labelIssues().map((i) => i.imageId), [5, 2]);

  // The next fine-tune's flags replace these.
  store.outputs.saveLabelIssues([]);
  assert.deepEqual(store.outputs.labelIssues(), []);
  store.close();
});

test("a confusion-matrix cell lists the images labelled one class that the chosen model held out as another", () => {
  const { store, cat, dog } = catsAndDogs();
  store.outputs.saveHeldOutPredictions([
    { imageId: 1, labelledClassId: cat, predictedClassId: cat },
    { imageId: 2, labelledClassId: cat, predictedClassId: dog },
    { imageId: 3, labelledClassId: cat, predictedClassId: dog },
    { imageId: 4, labelledClassId: dog, predictedClassId: dog },
  ]);
  const cell = (labelled: number, predicted: number) => store.images.listIds('heldOut', labelled, { predictedClassId: predicted });
  assert.deepEqual(cell(cat, dog), [2, 3]);
  assert.deepEqual(cell(cat, cat), [1]);
  assert.deepEqual(cell(dog, cat), []);
  assert.equal(store.images.list('heldOut', dog, 0, 10, { predictedClassId: dog }).total, 1);
  // Relabelled since, an image has left the cell; the filter needs both classes.
  store.labels.set([3], dog);
  assert.deepEqual(cell(cat, dog), [2]);
  assert.throws(() => store.images.listIds('heldOut', cat), /needs a predictedClassId/);
  // The next fine-tune's predictions replace these.
  store.outputs.saveHeldOutPredictions([]);
  assert.deepEqual(cell(cat, dog), []);
  store.close();
});

test('the test set holds labelled images until taken out, and an unlabelled one tests nothing', () => {
  const { store } = catsAndDogs();
  assert.equal(store.labels.setTestImages([2, 4, 4], true), 2);
  assert.deepEqual([...store.labels.testImageIds()].sort(), [2, 4]);
  assert.deepEqual(store.images.listIds('test', undefined), [2, 4]);
  // Unlabelled, it leaves the set's count and filter; labelled again, it is back.
  store.labels.set([4], null);
  assert.deepEqual([...store.labels.testImageIds()], [2]);
  assert.deepEqual(store.images.listIds('test', undefined), [2]);
  store.history.undo();
  assert.deepEqual([...store.labels.testImageIds()].sort(), [2, 4]);
  assert.equal(store.labels.setTestImages([2], false), 1);
  assert.equal(store.labels.clearTestImages(), 1);
  assert.equal(store.labels.testImageIds().size, 0);
  store.close();
});

/** Flags of probably wrong labels in a real project file: a review queue that settles as the user relabels. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storeWithImages } from '../../helpers/store';

test('flagged labels are listed likeliest first, filtered and sorted in the grid, and settle when relabelled', () => {
  const store = storeWithImages(5);
  const cat = store.createClass('cat').id;
  const dog = store.createClass('dog').id;
  store.setLabels([1, 2, 3], cat);
  store.setLabels([4, 5], dog);
  store.saveLabelIssues([
    { imageId: 2, flaggedClassId: cat, suggestedClassId: dog, score: 0.6 },
    { imageId: 5, flaggedClassId: dog, suggestedClassId: cat, score: 0.9 },
  ]);
  assert.deepEqual(store.labelIssues().map((i) => [i.imageId, i.labelId, i.suggestedId, i.path]), [
    [5, dog, cat, '/data/img5.png'],
    [2, cat, dog, '/data/img2.png'],
  ]);
  assert.deepEqual(store.listImages('labelIssues', undefined, 0, 10, { sort: 'labelIssue' }).items.map((i) => i.id), [5, 2]);

  // Relabelled (to anything): the flag no longer stands; undone, it stands again.
  store.setLabels([5], cat);
  assert.deepEqual(store.labelIssues().map((i) => i.imageId), [2]);
  assert.equal(store.listImages('labelIssues', undefined, 0, 10).total, 1);
  store.history.undo();
  assert.deepEqual(store.labelIssues().map((i) => i.imageId), [5, 2]);

  // The next fine-tune's flags replace these.
  store.saveLabelIssues([]);
  assert.deepEqual(store.labelIssues(), []);
  store.close();
});

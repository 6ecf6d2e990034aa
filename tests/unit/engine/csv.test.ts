import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv, parseLabelsCsv, toCsv } from '../../../src/main/engine/store/csv';

test('parseCsv handles quotes, escaped quotes, commas and CRLF', () => {
  assert.deepEqual(parseCsv('a,"b,c"\r\n"say ""hi""",d\n\n'), [
    ['a', 'b,c'],
    ['say "hi"', 'd'],
  ]);
});

test('toCsv quotes only the fields that need it and parseCsv reads it back', () => {
  const text = toCsv(['path', 'label'], [['/x/a,b.png', 'cat "tabby"'], ['/x/c.png', 'dog']]);
  assert.equal(text, 'path,label\n"/x/a,b.png","cat ""tabby"""\n/x/c.png,dog\n');
  assert.deepEqual(parseCsv(text)[1], ['/x/a,b.png', 'cat "tabby"']);
});

test('parseLabelsCsv skips a header and names the file and line of a bad row', () => {
  assert.deepEqual(parseLabelsCsv('path,label\na.png,cat\n', 'l.csv'), [{ path: 'a.png', label: 'cat' }]);
  assert.deepEqual(parseLabelsCsv('a.png,cat\n', 'l.csv'), [{ path: 'a.png', label: 'cat' }]);
  assert.throws(() => parseLabelsCsv('path,label\na.png,cat\nb.png\n', 'l.csv'), /l\.csv: line 3 needs two columns/);
});

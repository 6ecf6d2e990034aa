/**
 * Two SimCLR Studio processes on one project: the second is refused with an error naming the project and the
 * first's pid, and the file stays whole; once the first is killed (-9, leaving its lock behind) or stops, the
 * project opens again. The engine's own worker processes open the store alongside it (see the pretrain test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { lockFileName } from '../../../src/main/engine/store/project-lock';
import { tempDir, writeImage } from '../../helpers/images';
import { cli, startStudio } from '../../helpers/studio-process';

test('a second process is refused while the first holds the project, and a killed holder does not block it', { timeout: 120_000 }, async () => {
  const work = tempDir('simclr-two-');
  const photos = join(work, 'photos');
  for (let i = 0; i < 3; i++) await writeImage(join(photos, `p${i}.png`), { rgb: [70 * i, 60, 90] });
  const project = join(work, 'project');
  assert.equal((await cli(project, 'import', photos)).code, 0);

  const first = await startStudio(project);
  const refusedCli = await cli(project, 'status');
  assert.equal(refusedCli.code, 1);
  assert.ok(refusedCli.stderr.includes(`${project} is open in another SimCLR Studio process (pid ${first.pid})`), refusedCli.stderr);

  const second = await startStudio();
  const refusedHttp = await second.call<{ error: string }>('openProject', { dir: project });
  assert.equal(refusedHttp.status, 400);
  assert.match(refusedHttp.body.error, new RegExp(`open in another SimCLR Studio process \\(pid ${first.pid}\\)`));
  // The first keeps working while refusing the others.
  const classId = (await first.ok<{ id: number }>('createClass', { name: 'dog' })).id;
  assert.equal((await first.ok<{ changed: number }>('setLabels', { imageIds: [1, 2, 3], classId })).changed, 3);

  await first.kill9();
  assert.ok(existsSync(join(project, lockFileName)), 'the killed process left its lock');
  const reopened = await second.ok<{ project: string; images: number; labelled: number }>('openProject', { dir: project });
  assert.deepEqual([reopened.project, reopened.images, reopened.labelled], [project, 3, 3]);
  assert.ok((await cli(project, 'status')).stderr.includes(`(pid ${second.pid})`), 'the new holder is named');

  await second.stop(); // a clean stop releases the lock
  assert.ok(!existsSync(join(project, lockFileName)));
  const last = await cli(project, 'status');
  assert.equal(last.code, 0, last.stderr);
  assert.equal(last.json?.labelled, 3);
});

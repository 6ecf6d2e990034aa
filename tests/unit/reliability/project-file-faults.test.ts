/**
 * Project files that are not whole: one that is not SQLite, one cut short, one emptied. Opening each, from the
 * CLI and over HTTP, is a clear error naming the file and the reason, never a stack trace or a silently new project.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, truncateSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeImage } from '../../helpers/images';
import { cli, startStudio } from '../../helpers/studio-process';

/** A real project with images and a label, closed cleanly (so its SQLite file holds everything). */
async function realProject(): Promise<{ project: string; database: string }> {
  const work = tempDir('simclr-damaged-');
  const photos = join(work, 'photos');
  for (let i = 0; i < 40; i++) await writeImage(join(photos, `p${i}.png`), { rgb: [6 * i, 120, 250 - 6 * i] });
  const project = join(work, 'project');
  assert.equal((await cli(project, 'import', photos)).code, 0);
  const database = join(project, 'project.sqlite');
  assert.ok(!existsSync(`${database}-wal`) || statSync(`${database}-wal`).size === 0, 'checkpointed on close');
  return { project, database };
}

const damages: { what: string; damage: (database: string) => void; reason: RegExp }[] = [
  { what: 'a text file', damage: (db) => writeFileSync(db, 'path,label\nphotos/a.png,cat\n'.repeat(200)), reason: /not a SQLite database/ },
  { what: 'cut to half its size', damage: (db) => truncateSync(db, Math.floor(statSync(db).size / 2)), reason: /truncated \(\d+ of \d+ bytes\)/ },
  { what: 'cut inside its header', damage: (db) => truncateSync(db, 60), reason: /truncated/ },
  { what: 'emptied to 0 bytes', damage: (db) => truncateSync(db, 0), reason: /empty \(0 bytes\)/ },
  {
    what: 'overwritten in its schema page',
    damage: (db) => {
      const bytes = readFileSync(db);
      bytes.fill(0x5a, 100, 4096); // page 1 past the header: the table of tables
      writeFileSync(db, bytes);
    },
    reason: /damaged|malformed/,
  },
];

for (const { what, damage, reason } of damages) {
  test(`a project.sqlite ${what} is refused with its path and reason, on the CLI and over HTTP`, { timeout: 120_000 }, async () => {
    const { project, database } = await realProject();
    rmSync(`${database}-wal`, { force: true });
    rmSync(`${database}-shm`, { force: true });
    damage(database);
    const before = readFileSync(database);

    const outcome = await cli(project, 'status');
    assert.equal(outcome.code, 1);
    assert.ok(outcome.stderr.includes(database), `names the file: ${outcome.stderr}`);
    assert.match(outcome.stderr, reason);
    assert.doesNotMatch(outcome.stderr, /\n\s+at /, 'no stack trace');

    const studio = await startStudio();
    try {
      const reply = await studio.call<{ error: string }>('openProject', { dir: project });
      assert.equal(reply.status, 400, JSON.stringify(reply.body));
      assert.ok(reply.body.error.includes(database));
      assert.match(reply.body.error, reason);
      assert.equal((await studio.call('status')).status, 200, 'the server is still up');
    } finally {
      await studio.stop();
    }
    assert.deepEqual(readFileSync(database), before, 'the damaged file is left as it was, for recovery');
  });
}

/**
 * What one label change does to the classes, kept beside its labels in the history: the classes it deletes (with
 * the predictions that go with them), the classes it creates and the classes it renames, so its undo can take
 * that back and its redo do it again.
 */
import type Database from 'better-sqlite3';
import { StudioError } from '../../../shared/contract';

export interface ClassRow {
  id: number;
  name: string;
  color: string;
}

export interface ClassRename {
  classId: number;
  name: string;
}

/** The classes a change touches, as they are just before it. */
export interface ClassChangeSet {
  deleted: ClassRow[];
  created: ClassRow[];
  renamed: { id: number; before: string; after: string }[];
}

type Verb = 'undo' | 'redo';

export class ClassChanges {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Looks the classes up; ids without a class and renames to the name a class has already are left out. */
  resolve(ids: { deleted?: number[]; created?: number[]; renamed?: ClassRename[] }): ClassChangeSet {
    const classRow = this.#db.prepare('SELECT id, name, color FROM classes WHERE id = ?');
    const rowOf = (id: number) => classRow.get(id) as ClassRow | undefined;
    const rowsOf = (list: number[] = []) => list.map(rowOf).filter((c) => c !== undefined);
    const renamed = (ids.renamed ?? []).flatMap(({ classId, name }) => {
      const row = rowOf(classId);
      return row && row.name !== name ? [{ id: classId, before: row.name, after: name }] : [];
    });
    return { deleted: rowsOf(ids.deleted), created: rowsOf(ids.created), renamed };
  }

  static isEmpty(set: ClassChangeSet): boolean {
    return set.deleted.length === 0 && set.created.length === 0 && set.renamed.length === 0;
  }

  write(changeId: number, set: ClassChangeSet): void {
    const insertDeleted = this.#db.prepare('INSERT INTO label_change_classes (change_id, class_id, name, color) VALUES (?, ?, ?, ?)');
    for (const c of set.deleted) insertDeleted.run(changeId, c.id, c.name, c.color);
    const insertCreated = this.#db.prepare('INSERT INTO label_change_created_classes (change_id, class_id, name, color) VALUES (?, ?, ?, ?)');
    for (const c of set.created) insertCreated.run(changeId, c.id, c.name, c.color);
    const insertRenamed = this.#db.prepare('INSERT INTO label_change_renamed_classes (change_id, class_id, before_name, after_name) VALUES (?, ?, ?, ?)');
    for (const r of set.renamed) insertRenamed.run(changeId, r.id, r.before, r.after);
  }

  /** Takes back what the change did to classes, around `restoreLabels`, which needs its deleted classes back first. */
  undo(changeId: number, restoreLabels: () => void): void {
    this.#recreate(this.#deletedOf(changeId), 'undo');
    this.#restorePredictions(changeId);
    this.#rename(changeId, 'before', 'undo');
    restoreLabels();
    this.#removeUnusedCreated(changeId);
  }

  /** Does it again (or the first time), around `applyLabels`, which needs its created classes there first. */
  redo(changeId: number, applyLabels: () => void): void {
    this.#recreate(this.#createdOf(changeId), 'redo');
    applyLabels();
    this.#deleteKeepingPredictions(changeId);
    this.#rename(changeId, 'after', 'redo');
  }

  /** The highest class id the history may recreate, so a new class never takes a deleted class's id. */
  highestRecordedId(): number {
    const highest = this.#db.prepare(
      'SELECT MAX(class_id) FROM (SELECT class_id FROM label_change_classes UNION ALL SELECT class_id FROM label_change_created_classes)',
    );
    return (highest.pluck().get() as number | null) ?? 0;
  }

  #deletedOf(changeId: number): ClassRow[] {
    return this.#db.prepare('SELECT class_id AS id, name, color FROM label_change_classes WHERE change_id = ?').all(changeId) as ClassRow[];
  }

  #createdOf(changeId: number): ClassRow[] {
    return this.#db
      .prepare('SELECT class_id AS id, name, color FROM label_change_created_classes WHERE change_id = ?')
      .all(changeId) as ClassRow[];
  }

  /**
   * Deleting a class cascades to its predictions; they are kept with the change (as they are now: a fine-tune may
   * have run since an undo) so that its undo can put them back.
   */
  #deleteKeepingPredictions(changeId: number): void {
    const db = this.#db;
    db.prepare('DELETE FROM label_change_predictions WHERE change_id = ?').run(changeId);
    const keep = db.prepare(
      `INSERT INTO label_change_predictions (change_id, image_id, class_id, confidence)
       SELECT ?, image_id, class_id, confidence FROM predictions WHERE class_id = ?`,
    );
    const classIds = this.#deletedOf(changeId).map((c) => c.id);
    for (const classId of classIds) keep.run(changeId, classId);
    this.#deleteClasses(classIds);
  }

  /** A fine-tune made after the delete knows better: only images it left without a prediction get theirs back. */
  #restorePredictions(changeId: number): void {
    this.#db
      .prepare(
        `INSERT INTO predictions (image_id, class_id, confidence)
         SELECT k.image_id, k.class_id, k.confidence FROM label_change_predictions k
         WHERE k.change_id = ? AND k.class_id IN (SELECT id FROM classes) AND k.image_id NOT IN (SELECT image_id FROM predictions)`,
      )
      .run(changeId);
  }

  /** Removes the change's new classes that nothing uses any more, keeping them as they are now for redo. */
  #removeUnusedCreated(changeId: number): void {
    const db = this.#db;
    const current = db.prepare('SELECT id, name, color FROM classes WHERE id = ?');
    // A class the last fine-tune still predicts stays: removing it would delete those predictions with it.
    const used = db.prepare('SELECT EXISTS (SELECT 1 FROM labels WHERE class_id = @id) OR EXISTS (SELECT 1 FROM predictions WHERE class_id = @id)').pluck();
    const remember = db.prepare('UPDATE label_change_created_classes SET name = @name, color = @color WHERE change_id = @changeId AND class_id = @id');
    const unused = this.#createdOf(changeId)
      .map((c) => current.get(c.id) as ClassRow | undefined)
      .filter((c): c is ClassRow => c !== undefined && used.get({ id: c.id }) === 0);
    for (const c of unused) remember.run({ ...c, changeId });
    this.#deleteClasses(unused.map((c) => c.id));
  }

  #deleteClasses(classIds: number[]): void {
    const remove = this.#db.prepare('DELETE FROM classes WHERE id = ?');
    for (const id of classIds) remove.run(id);
  }

  #recreate(classes: ClassRow[], verb: Verb): void {
    const byId = this.#db.prepare('SELECT 1 FROM classes WHERE id = ?').pluck();
    const insert = this.#db.prepare('INSERT INTO classes (id, name, color) VALUES (@id, @name, @color)');
    for (const c of classes) {
      if (byId.get(c.id)) continue; // kept by the undo (still in use), so there is nothing to bring back
      this.#refuseNameClash(c.name, c.id, verb);
      insert.run(c);
    }
  }

  #rename(changeId: number, side: 'before' | 'after', verb: Verb): void {
    const renames = this.#db
      .prepare(`SELECT class_id AS id, ${side}_name AS name FROM label_change_renamed_classes WHERE change_id = ?`)
      .all(changeId) as { id: number; name: string }[];
    const update = this.#db.prepare('UPDATE classes SET name = @name WHERE id = @id');
    for (const r of renames) {
      this.#refuseNameClash(r.name, r.id, verb);
      update.run(r);
    }
  }

  /** Names are unique: a class now holding the name must be renamed by the user first, not silently. */
  #refuseNameClash(name: string, classId: number, verb: Verb): void {
    const holder = this.#db.prepare('SELECT id FROM classes WHERE name = ?').pluck().get(name) as number | undefined;
    if (holder !== undefined && holder !== classId) {
      throw new StudioError(`Cannot ${verb}: the class "${name}" would clash with the class now named so; rename that one first`);
    }
  }
}

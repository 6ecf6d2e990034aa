/**
 * The label history: every change of labels (a click, a CSV import, a merge, a class delete) is written with
 * each image's class before and after, so it can be undone and redone. The history is linear: a new change
 * after an undo discards what could have been redone, as in a text editor. Classes a change created (a CSV's new
 * names) go with its undo once they hold no labels, and come back with its redo.
 */
import type Database from 'better-sqlite3';
import type { LabelChange, LabelHistoryState } from '../../../shared/contract';
import { StudioError } from '../../../shared/contract';

/** Who made a change: the user in the UI or CLI, a CSV import, or labels taken from folder names at import. */
export type LabelActor = 'user' | 'csv' | 'folders';

export interface LabelAssignment {
  imageId: number;
  /** null clears the image's label. */
  classId: number | null;
}

export interface NewLabelChange {
  actor: LabelActor;
  /** Describes the change, given how many images it actually changed. */
  summary: (changed: number) => string;
  assignments: LabelAssignment[];
  /** Classes the change deletes after moving their labels (delete, merge). */
  deleteClassIds?: number[];
  /** Classes made for this change just before it (a CSV's new names); its undo removes them again once unused. */
  createdClassIds?: number[];
}

interface ItemRow {
  imageId: number;
  before: number | null;
  after: number | null;
}

interface ClassRow {
  id: number;
  name: string;
  color: string;
}

export class LabelHistory {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Applies the assignments (and deletes classes) as one undoable change; returns how many labels changed. */
  record(change: NewLabelChange): number {
    const db = this.#db;
    const current = db.prepare('SELECT class_id FROM labels WHERE image_id = ?').pluck();
    const imageExists = db.prepare('SELECT 1 FROM images WHERE id = ?').pluck();
    const classRow = db.prepare('SELECT id, name, color FROM classes WHERE id = ?');
    return db.transaction(() => {
      // The last assignment of an image wins, as if they were applied in order.
      const wanted = new Map(change.assignments.map((a) => [a.imageId, a.classId]));
      const items: ItemRow[] = [];
      for (const [imageId, after] of wanted) {
        if (!imageExists.get(imageId)) continue;
        const before = (current.get(imageId) as number | undefined) ?? null;
        if (before !== after) items.push({ imageId, before, after });
      }
      const rowsOf = (ids: number[] = []) => ids.map((id) => classRow.get(id) as ClassRow | undefined).filter((c) => c !== undefined);
      const deleted = rowsOf(change.deleteClassIds);
      const created = rowsOf(change.createdClassIds);
      if (items.length === 0 && deleted.length === 0 && created.length === 0) return 0;

      db.prepare('DELETE FROM label_changes WHERE undone = 1').run();
      const changeId = Number(
        db.prepare('INSERT INTO label_changes (summary, actor) VALUES (?, ?)').run(change.summary(items.length), change.actor).lastInsertRowid,
      );
      const insertItem = db.prepare('INSERT INTO label_change_items (change_id, image_id, before_class, after_class) VALUES (?, ?, ?, ?)');
      for (const item of items) insertItem.run(changeId, item.imageId, item.before, item.after);
      const insertClass = db.prepare('INSERT INTO label_change_classes (change_id, class_id, name, color) VALUES (?, ?, ?, ?)');
      for (const c of deleted) insertClass.run(changeId, c.id, c.name, c.color);
      const insertCreated = db.prepare('INSERT INTO label_change_created_classes (change_id, class_id, name, color) VALUES (?, ?, ?, ?)');
      for (const c of created) insertCreated.run(changeId, c.id, c.name, c.color);

      this.#writeLabels(items.map((i) => ({ imageId: i.imageId, classId: i.after })));
      this.#deleteClasses(deleted.map((c) => c.id));
      return items.length;
    })();
  }

  /** Reverts the latest change that is not undone; returns how many labels it restored. */
  undo(): number {
    const change = this.#db.prepare('SELECT id FROM label_changes WHERE undone = 0 ORDER BY id DESC LIMIT 1').get() as { id: number } | undefined;
    if (!change) throw new StudioError('Nothing to undo');
    return this.#db.transaction(() => {
      this.#recreateClasses(this.#classesOf(change.id), 'undo');
      const items = this.#itemsOf(change.id);
      this.#writeLabels(items.map((i) => ({ imageId: i.imageId, classId: i.before })));
      this.#removeUnusedCreatedClasses(change.id);
      this.#db.prepare('UPDATE label_changes SET undone = 1 WHERE id = ?').run(change.id);
      return items.length;
    })();
  }

  /** Re-applies the earliest undone change; returns how many labels it changed again. */
  redo(): number {
    const change = this.#db.prepare('SELECT id FROM label_changes WHERE undone = 1 ORDER BY id LIMIT 1').get() as { id: number } | undefined;
    if (!change) throw new StudioError('Nothing to redo');
    return this.#db.transaction(() => {
      this.#recreateClasses(this.#createdClassesOf(change.id), 'redo');
      const items = this.#itemsOf(change.id);
      this.#writeLabels(items.map((i) => ({ imageId: i.imageId, classId: i.after })));
      this.#deleteClasses(this.#classesOf(change.id).map((c) => c.id));
      this.#db.prepare('UPDATE label_changes SET undone = 0 WHERE id = ?').run(change.id);
      return items.length;
    })();
  }

  /** The latest changes first, undone ones included (they are what redo would re-apply). */
  changes(limit: number): LabelChange[] {
    const rows = this.#db
      .prepare(
        `SELECT c.id, c.at, c.summary, c.undone,
                (SELECT COUNT(*) FROM label_change_items i WHERE i.change_id = c.id) AS imageCount
         FROM label_changes c ORDER BY c.id DESC LIMIT ?`,
      )
      .all(limit) as (Omit<LabelChange, 'undone'> & { undone: number })[];
    return rows.map((r) => ({ ...r, undone: r.undone === 1 }));
  }

  state(): LabelHistoryState {
    const summaryOf = (sql: string) => (this.#db.prepare(sql).pluck().get() as string | undefined) ?? null;
    const nextUndo = summaryOf('SELECT summary FROM label_changes WHERE undone = 0 ORDER BY id DESC LIMIT 1');
    const nextRedo = summaryOf('SELECT summary FROM label_changes WHERE undone = 1 ORDER BY id LIMIT 1');
    return { canUndo: nextUndo !== null, canRedo: nextRedo !== null, nextUndo, nextRedo };
  }

  /** The highest class id the history may recreate, so a new class never takes a deleted class's id. */
  highestRecordedClassId(): number {
    const highest = this.#db.prepare(
      'SELECT MAX(class_id) FROM (SELECT class_id FROM label_change_classes UNION ALL SELECT class_id FROM label_change_created_classes)',
    );
    return (highest.pluck().get() as number | null) ?? 0;
  }

  #itemsOf(changeId: number): ItemRow[] {
    return this.#db
      .prepare('SELECT image_id AS imageId, before_class AS before, after_class AS after FROM label_change_items WHERE change_id = ?')
      .all(changeId) as ItemRow[];
  }

  #classesOf(changeId: number): ClassRow[] {
    return this.#db.prepare('SELECT class_id AS id, name, color FROM label_change_classes WHERE change_id = ?').all(changeId) as ClassRow[];
  }

  #createdClassesOf(changeId: number): ClassRow[] {
    return this.#db
      .prepare('SELECT class_id AS id, name, color FROM label_change_created_classes WHERE change_id = ?')
      .all(changeId) as ClassRow[];
  }

  /** Removes the change's new classes that nothing uses any more, keeping them as they are now for redo. */
  #removeUnusedCreatedClasses(changeId: number): void {
    const db = this.#db;
    const current = db.prepare('SELECT id, name, color FROM classes WHERE id = ?');
    // A class the last fine-tune still predicts stays: removing it would delete those predictions with it.
    const used = db.prepare('SELECT EXISTS (SELECT 1 FROM labels WHERE class_id = @id) OR EXISTS (SELECT 1 FROM predictions WHERE class_id = @id)').pluck();
    const remember = db.prepare('UPDATE label_change_created_classes SET name = @name, color = @color WHERE change_id = @changeId AND class_id = @id');
    const unused = this.#createdClassesOf(changeId)
      .map((c) => current.get(c.id) as ClassRow | undefined)
      .filter((c): c is ClassRow => c !== undefined && used.get({ id: c.id }) === 0);
    for (const c of unused) remember.run({ ...c, changeId });
    this.#deleteClasses(unused.map((c) => c.id));
  }

  #writeLabels(assignments: LabelAssignment[]): void {
    const assign = this.#db.prepare(
      `INSERT INTO labels (image_id, class_id) VALUES (@imageId, @classId)
       ON CONFLICT(image_id) DO UPDATE SET class_id = excluded.class_id, updated_at = datetime('now')`,
    );
    const clear = this.#db.prepare('DELETE FROM labels WHERE image_id = ?');
    for (const a of assignments) {
      if (a.classId === null) clear.run(a.imageId);
      else assign.run(a);
    }
  }

  #deleteClasses(classIds: number[]): void {
    const remove = this.#db.prepare('DELETE FROM classes WHERE id = ?');
    for (const id of classIds) remove.run(id);
  }

  #recreateClasses(classes: ClassRow[], verb: 'undo' | 'redo'): void {
    const byName = this.#db.prepare('SELECT id FROM classes WHERE name = ?').pluck();
    const byId = this.#db.prepare('SELECT 1 FROM classes WHERE id = ?').pluck();
    const insert = this.#db.prepare('INSERT INTO classes (id, name, color) VALUES (@id, @name, @color)');
    for (const c of classes) {
      if (byId.get(c.id)) continue; // kept by the undo (still in use), so there is nothing to bring back
      const clash = byName.get(c.name) as number | undefined;
      if (clash !== undefined && clash !== c.id) {
        throw new StudioError(`Cannot ${verb}: the class "${c.name}" would clash with the class now named so; rename that one first`);
      }
      if (clash === undefined) insert.run(c);
    }
  }
}

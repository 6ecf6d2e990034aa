/**
 * The label history: every change of labels (a click, a CSV import, a merge, a class delete) and of class names
 * (a new class, a rename) is written with each image's class before and after, so it can be undone and redone.
 * The history is linear: a new change after an undo discards what could have been redone, as in a text editor.
 * What a change does to the classes themselves is kept by ClassChanges.
 */
import type Database from 'better-sqlite3';
import type { LabelChange, LabelHistoryState } from '../../../shared/contract';
import { StudioError } from '../../../shared/contract';
import { ClassChanges, type ClassRename } from './class-changes';

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
  /** Classes made for this change just before it (a new class, a CSV's new names); its undo removes them again once unused. */
  createdClassIds?: number[];
  /** Classes the change gives another name. */
  renames?: ClassRename[];
}

interface ItemRow {
  imageId: number;
  before: number | null;
  after: number | null;
}

export class LabelHistory {
  readonly #db: Database.Database;
  readonly #classes: ClassChanges;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#classes = new ClassChanges(db);
  }

  /** Applies the assignments (and class changes) as one undoable change; returns how many labels changed. */
  record(change: NewLabelChange): number {
    const db = this.#db;
    const current = db.prepare('SELECT class_id FROM labels WHERE image_id = ?').pluck();
    const imageExists = db.prepare('SELECT 1 FROM images WHERE id = ?').pluck();
    return db.transaction(() => {
      // The last assignment of an image wins, as if they were applied in order.
      const wanted = new Map(change.assignments.map((a) => [a.imageId, a.classId]));
      const items: ItemRow[] = [];
      for (const [imageId, after] of wanted) {
        if (!imageExists.get(imageId)) continue;
        const before = (current.get(imageId) as number | undefined) ?? null;
        if (before !== after) items.push({ imageId, before, after });
      }
      const classes = this.#classes.resolve({ deleted: change.deleteClassIds, created: change.createdClassIds, renamed: change.renames });
      if (items.length === 0 && ClassChanges.isEmpty(classes)) return 0;

      db.prepare('DELETE FROM label_changes WHERE undone = 1').run();
      const changeId = Number(
        db.prepare('INSERT INTO label_changes (summary, actor) VALUES (?, ?)').run(change.summary(items.length), change.actor).lastInsertRowid,
      );
      const insertItem = db.prepare('INSERT INTO label_change_items (change_id, image_id, before_class, after_class) VALUES (?, ?, ?, ?)');
      for (const item of items) insertItem.run(changeId, item.imageId, item.before, item.after);
      this.#classes.write(changeId, classes);
      // Doing a change the first time is redoing it: the same steps in the same order.
      this.#classes.redo(changeId, () => this.#writeLabels(items.map((i) => ({ imageId: i.imageId, classId: i.after }))));
      return items.length;
    })();
  }

  /** Reverts the latest change that is not undone; returns how many labels it restored. */
  undo(): number {
    return this.#replay('undo');
  }

  /** Re-applies the earliest undone change; returns how many labels it changed again. */
  redo(): number {
    return this.#replay('redo');
  }

  /** Undo and redo are one walk over the same change, in opposite directions. */
  #replay(direction: 'undo' | 'redo'): number {
    const undoing = direction === 'undo';
    const next = undoing
      ? 'SELECT id FROM label_changes WHERE undone = 0 ORDER BY id DESC LIMIT 1'
      : 'SELECT id FROM label_changes WHERE undone = 1 ORDER BY id LIMIT 1';
    const change = this.#db.prepare(next).get() as { id: number } | undefined;
    if (!change) throw new StudioError(`Nothing to ${direction}`);
    return this.#db.transaction(() => {
      const items = this.#itemsOf(change.id);
      const writeLabels = () => this.#writeLabels(items.map((i) => ({ imageId: i.imageId, classId: undoing ? i.before : i.after })));
      if (undoing) this.#classes.undo(change.id, writeLabels);
      else this.#classes.redo(change.id, writeLabels);
      this.#db.prepare('UPDATE label_changes SET undone = ? WHERE id = ?').run(undoing ? 1 : 0, change.id);
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
    return this.#classes.highestRecordedId();
  }

  #itemsOf(changeId: number): ItemRow[] {
    return this.#db
      .prepare('SELECT image_id AS imageId, before_class AS before, after_class AS after FROM label_change_items WHERE change_id = ?')
      .all(changeId) as ItemRow[];
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
}

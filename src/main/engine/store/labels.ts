/** Classes, labels and the test set; every label change goes through the history, so it can be undone. */
import type Database from 'better-sqlite3';
import type { ClassInfo } from '../../../shared/contract';
import { StudioError } from '../../../shared/contract';
import type { LabelActor, LabelAssignment, LabelHistory } from './label-history';

/** A palette for new classes, chosen to stay distinguishable on the map. */
const classPalette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export class Labels {
  readonly #db: Database.Database;
  readonly #history: LabelHistory;

  constructor(db: Database.Database, history: LabelHistory) {
    this.#db = db;
    this.#history = history;
  }

  classes(): ClassInfo[] {
    return this.#db
      .prepare(
        `SELECT c.id, c.name, c.color, COUNT(l.image_id) AS count
         FROM classes c LEFT JOIN labels l ON l.class_id = c.id GROUP BY c.id ORDER BY c.id`,
      )
      .all() as ClassInfo[];
  }

  classByName(name: string): ClassInfo | undefined {
    return this.classes().find((c) => c.name === name);
  }

  classById(classId: number): ClassInfo {
    const found = this.classes().find((c) => c.id === classId);
    if (!found) throw new StudioError(`No class with id ${classId}`);
    return found;
  }

  /** Creates a class as one undoable change (its undo removes it again once unused). */
  createClass(name: string, color?: string): ClassInfo {
    return this.#db.transaction(() => {
      const created = this.#insertClass(name, color);
      this.#history.record({ actor: 'user', summary: () => `created class ${name}`, assignments: [], createdClassIds: [created.id] });
      return created;
    })();
  }

  #insertClass(name: string, color?: string): ClassInfo {
    const existing = this.classByName(name);
    if (existing) throw new StudioError(`A class named "${name}" already exists`);
    const chosen = color ?? classPalette[(this.#db.prepare('SELECT COUNT(*) FROM classes').pluck().get() as number) % classPalette.length];
    // Never reuse the id of a deleted class: undoing its delete recreates it with that id.
    const highest = this.#db.prepare('SELECT COALESCE(MAX(id), 0) FROM classes').pluck().get() as number;
    const id = Math.max(highest, this.#history.highestRecordedClassId()) + 1;
    this.#db.prepare('INSERT INTO classes (id, name, color) VALUES (?, ?, ?)').run(id, name, chosen);
    return { id, name, color: chosen, count: 0 };
  }

  /** Renames a class as one undoable change. */
  renameClass(classId: number, name: string): ClassInfo {
    const renamed = this.classById(classId);
    const clash = this.classByName(name);
    if (clash && clash.id !== classId) throw new StudioError(`A class named "${name}" already exists; choose another name`);
    this.#history.record({ actor: 'user', summary: () => `renamed class ${renamed.name} to ${name}`, assignments: [], renames: [{ classId, name }] });
    return { ...renamed, name };
  }

  recolorClass(classId: number, color: string): ClassInfo {
    const recolored = this.classById(classId);
    this.#db.prepare('UPDATE classes SET color = ? WHERE id = ?').run(color, classId);
    return { ...recolored, color };
  }

  /** Moves the sources' labels to the target and deletes the sources, as one undoable change. */
  mergeClasses(sourceIds: number[], targetId: number): number {
    const target = this.classById(targetId);
    const sources = [...new Set(sourceIds)].filter((id) => id !== targetId).map((id) => this.classById(id));
    if (sources.length === 0) throw new StudioError('Choose at least one class other than the target to merge into it');
    return this.#history.record({
      actor: 'user',
      summary: () => `merged ${sources.map((c) => c.name).join(', ')} into ${target.name}`,
      assignments: this.#labelledIn(sources.map((c) => c.id)).map((imageId) => ({ imageId, classId: targetId })),
      deleteClassIds: sources.map((c) => c.id),
    });
  }

  /** Deletes a class and unlabels its images, as one undoable change; returns how many it unlabelled. */
  deleteClass(classId: number): number {
    const deleted = this.classById(classId);
    return this.#history.record({
      actor: 'user',
      summary: (n) => `deleted class ${deleted.name} (${plural(n, 'image')})`,
      assignments: this.#labelledIn([classId]).map((imageId) => ({ imageId, classId: null })),
      deleteClassIds: [classId],
    });
  }

  #labelledIn(classIds: number[]): number[] {
    const statement = this.#db.prepare('SELECT image_id FROM labels WHERE class_id = ? ORDER BY image_id').pluck();
    return classIds.flatMap((id) => statement.all(id) as number[]);
  }

  /** Returns the class named `name`, creating it when absent (used by CSV label import). */
  ensureClass(name: string): ClassInfo {
    return this.classByName(name) ?? this.createClass(name);
  }

  /** Gives the images one class (or none) as one undoable change; returns how many labels changed. */
  set(imageIds: number[], classId: number | null, actor: LabelActor = 'user'): number {
    const name = classId === null ? null : this.classById(classId).name;
    return this.#history.record({
      actor,
      summary: (n) => (name === null ? `${plural(n, 'image')} unlabelled` : `${plural(n, 'image')} → ${name}`),
      assignments: imageIds.map((imageId) => ({ imageId, classId })),
    });
  }

  /** Many images, each its own class (a CSV, folder names), as one undoable change. */
  apply(assignments: LabelAssignment[], actor: LabelActor, summary: string, createdClassIds: number[] = []): number {
    for (const classId of new Set(assignments.map((a) => a.classId))) if (classId !== null) this.classById(classId);
    return this.#history.record({ actor, summary: (n) => `${summary} (${plural(n, 'image')})`, assignments, createdClassIds });
  }

  /**
   * Many images, each a class by name (a CSV), as one undoable change that also creates the classes not there yet;
   * its undo removes those classes again once they hold no labels.
   */
  applyByName(labels: { imageId: number; className: string }[], actor: LabelActor, summary: string): number {
    return this.#db.transaction(() => {
      // The last row of an image wins, so a name given only in overridden rows creates no class.
      const nameOf = new Map(labels.map((l) => [l.imageId, l.className]));
      const createdClassIds: number[] = [];
      const idOf = new Map([...new Set(nameOf.values())].map((name) => {
        const known = this.classByName(name);
        if (known) return [name, known.id] as const;
        const made = this.#insertClass(name); // one change with the labels, not a change of its own
        createdClassIds.push(made.id);
        return [name, made.id] as const;
      }));
      const assignments = [...nameOf].map(([imageId, name]) => ({ imageId, classId: idOf.get(name)! }));
      return this.apply(assignments, actor, summary, createdClassIds);
    })();
  }

  /** Labelled images as (imageId, classIndex) with classes indexed 0..K-1 in id order. */
  labelled(): { imageId: number; classId: number }[] {
    return this.#db
      .prepare('SELECT image_id AS imageId, class_id AS classId FROM labels ORDER BY image_id')
      .all() as { imageId: number; classId: number }[];
  }

  // --- the test set ----------------------------------------------------------------------------------------

  /** Puts images in the test set (`inTest`) or takes them out; returns how many changed. */
  setTestImages(imageIds: number[], inTest: boolean): number {
    const change = this.#db.prepare(inTest ? 'INSERT OR IGNORE INTO test_images (image_id) VALUES (?)' : 'DELETE FROM test_images WHERE image_id = ?');
    return this.#db.transaction(() => imageIds.reduce((changed, id) => changed + change.run(id).changes, 0))();
  }

  clearTestImages(): number {
    return this.#db.prepare('DELETE FROM test_images').run().changes;
  }

  /** The test set: images in it that still have a label (an unlabelled one tests nothing until labelled again). */
  testImageIds(): Set<number> {
    return new Set(this.#db.prepare('SELECT t.image_id FROM test_images t JOIN labels l ON l.image_id = t.image_id').pluck().all() as number[]);
  }

  forExport(): { path: string; label: string }[] {
    return this.#db
      .prepare(
        `SELECT i.path, c.name AS label FROM labels l
         JOIN images i ON i.id = l.image_id JOIN classes c ON c.id = l.class_id ORDER BY i.id`,
      )
      .all() as { path: string; label: string }[];
  }
}

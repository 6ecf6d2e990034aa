/**
 * What the models wrote about the images: each image's representation h and its place on the 2-D map, the
 * fine-tuned classifier's predictions, its out-of-fold predictions on the labels and the labels it flags.
 */
import type Database from 'better-sqlite3';
import type { LabelIssueInfo, MapPoint, ModelOutput } from '../../../shared/contract';

export class ModelOutputs {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  saveEmbeddings(rows: { imageId: number; vector: Float32Array }[]): void {
    const insert = this.#db.prepare(
      // An image keeps its place on the map until the new layout is saved: the old map stays usable meanwhile.
      `INSERT INTO embeddings (image_id, vector, x, y) VALUES (?, ?, NULL, NULL)
       ON CONFLICT(image_id) DO UPDATE SET vector = excluded.vector`,
    );
    this.#db.transaction(() => {
      for (const row of rows) insert.run(row.imageId, Buffer.from(row.vector.buffer, row.vector.byteOffset, row.vector.byteLength));
    })();
  }

  /** The images that have an embedding. */
  embeddedIds(): Set<number> {
    return new Set(this.#db.prepare('SELECT image_id FROM embeddings').pluck().all() as number[]);
  }

  embeddings(): { imageId: number; vector: Float32Array }[] {
    const rows = this.#db.prepare('SELECT image_id AS imageId, vector FROM embeddings ORDER BY image_id').all() as {
      imageId: number;
      vector: Buffer;
    }[];
    return rows.map((r) => ({
      imageId: r.imageId,
      vector: new Float32Array(r.vector.buffer.slice(r.vector.byteOffset, r.vector.byteOffset + r.vector.byteLength)),
    }));
  }

  /** Every stored embedding as raw float32 bytes, one row at a time, for readers that pack them into one matrix. */
  *embeddingBytes(): Generator<{ imageId: number; vector: Buffer }> {
    yield* this.#db.prepare('SELECT image_id AS imageId, vector FROM embeddings ORDER BY image_id').iterate() as Iterable<{
      imageId: number;
      vector: Buffer;
    }>;
  }

  /** Records which encoder (its checkpoint's version) an output was just computed with. */
  recordSource(output: ModelOutput, encoderVersion: string): void {
    this.#db.prepare("INSERT OR REPLACE INTO output_sources (output, encoder, recorded_at) VALUES (?, ?, datetime('now'))").run(output, encoderVersion);
  }

  /** The encoder version each output was computed with, for the outputs that recorded one. */
  sources(): Map<ModelOutput, string> {
    const rows = this.#db.prepare('SELECT output, encoder FROM output_sources').all() as { output: ModelOutput; encoder: string }[];
    return new Map(rows.map((r) => [r.output, r.encoder]));
  }

  saveMapPositions(rows: { imageId: number; x: number; y: number }[]): void {
    const update = this.#db.prepare('UPDATE embeddings SET x = ?, y = ? WHERE image_id = ?');
    this.#db.transaction(() => {
      for (const row of rows) update.run(row.x, row.y, row.imageId);
    })();
  }

  /** Whether any image has a place on the map. */
  hasMap(): boolean {
    return this.#db.prepare('SELECT 1 FROM embeddings WHERE x IS NOT NULL LIMIT 1').get() !== undefined;
  }

  mapPoints(): MapPoint[] {
    const rows = this.#db
      .prepare(
        `SELECT e.image_id AS id, e.x, e.y, l.class_id AS labelId, p.class_id AS predictedId, p.confidence,
                (li.flagged_class_id IS NOT NULL AND li.flagged_class_id = l.class_id) AS flagged
         FROM embeddings e LEFT JOIN labels l ON l.image_id = e.image_id
         LEFT JOIN predictions p ON p.image_id = e.image_id
         LEFT JOIN label_issues li ON li.image_id = e.image_id
         WHERE e.x IS NOT NULL ORDER BY e.image_id`,
      )
      .all() as (Omit<MapPoint, 'flagged'> & { flagged: number })[];
    return rows.map((r) => ({ ...r, flagged: r.flagged === 1 }));
  }

  savePredictions(rows: { imageId: number; classId: number; confidence: number }[]): void {
    const insert = this.#db.prepare('INSERT OR REPLACE INTO predictions (image_id, class_id, confidence) VALUES (?, ?, ?)');
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM predictions').run();
      for (const row of rows) insert.run(row.imageId, row.classId, row.confidence);
    })();
  }

  /** The last fine-tune's predicted class and its confidence, by image id. */
  predictions(): Map<number, { classId: number; confidence: number }> {
    const rows = this.#db.prepare('SELECT image_id AS imageId, class_id AS classId, confidence FROM predictions').all() as { imageId: number; classId: number; confidence: number }[];
    return new Map(rows.map(({ imageId, ...prediction }) => [imageId, prediction]));
  }

  /** The last fine-tune's confidence in its predicted class, by image id. */
  predictionConfidences(): Map<number, number> {
    const rows = this.#db.prepare('SELECT image_id AS imageId, confidence FROM predictions').all() as { imageId: number; confidence: number }[];
    return new Map(rows.map((r) => [r.imageId, r.confidence]));
  }

  predictionsForExport(): { path: string; label: string; confidence: number }[] {
    return this.#db
      .prepare(
        `SELECT i.path, c.name AS label, p.confidence FROM predictions p
         JOIN images i ON i.id = p.image_id JOIN classes c ON c.id = p.class_id ORDER BY i.id`,
      )
      .all() as { path: string; label: string; confidence: number }[];
  }

  /** Replaces the flags of probably wrong labels with a fine-tune's (each with the label it was flagged with). */
  saveLabelIssues(issues: { imageId: number; flaggedClassId: number; suggestedClassId: number; score: number }[]): void {
    this.#replaceRows('label_issues', ['image_id', 'flagged_class_id', 'suggested_class_id', 'score'], issues.map((i) => [i.imageId, i.flaggedClassId, i.suggestedClassId, i.score]));
  }

  /** Replaces the chosen model's out-of-fold predictions with a fine-tune's, each with the label it was predicted for. */
  saveHeldOutPredictions(rows: { imageId: number; labelledClassId: number; predictedClassId: number }[]): void {
    this.#replaceRows('held_out_predictions', ['image_id', 'labelled_class_id', 'predicted_class_id'], rows.map((r) => [r.imageId, r.labelledClassId, r.predictedClassId]));
  }

  /** A fine-tune's table replaced whole, in one transaction: readers see the old rows or the new, never a mix. */
  #replaceRows(table: 'label_issues' | 'held_out_predictions', columns: string[], rows: number[][]): void {
    const insert = this.#db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    this.#db.transaction(() => {
      this.#db.exec(`DELETE FROM ${table}`);
      for (const row of rows) insert.run(...row);
    })();
  }

  /** Flags still standing (the image keeps the label it was flagged with), likeliest mistake first. */
  labelIssues(): LabelIssueInfo[] {
    return this.#db
      .prepare(
        `SELECT li.image_id AS imageId, i.path, li.flagged_class_id AS labelId, li.suggested_class_id AS suggestedId, li.score
         FROM label_issues li JOIN labels l ON l.image_id = li.image_id AND l.class_id = li.flagged_class_id JOIN images i ON i.id = li.image_id
         ORDER BY li.score DESC, li.image_id`,
      )
      .all() as LabelIssueInfo[];
  }
}

/**
 * The product's own path, driven as a transport drives it: the engine's commands and jobs (import → pixel cache →
 * pretrain job → embed job; labels; fine-tune job → predictions). Nothing here trains a model itself.
 */
import { join } from 'node:path';
import type { FinetuneOptions, FinetuneResult, JobKind, JobSnapshot, JobSnapshotOf, PretrainOptions } from '../../src/shared/contract';
import { Engine } from '../../src/main/engine/engine';
import type { BenchFolder } from './image-folder';

export class ProductRun {
  readonly engine: Engine;
  /** Image id per file of the folder (its path relative to the folder), once imported. */
  readonly imageIdOf = new Map<string, number>();
  readonly #fileOfPath = new Map<string, string>();
  readonly #fileOfId = new Map<number, string>();
  #classIds: number[] = [];

  private constructor(engine: Engine) {
    this.engine = engine;
  }

  static async open(projectDir: string, backend: string | undefined): Promise<ProductRun> {
    const engine = new Engine({ backend });
    await engine.call('openProject', { dir: projectDir });
    return new ProductRun(engine);
  }

  async #finished<K extends JobKind>(kind: K, started: Promise<JobSnapshot>): Promise<JobSnapshotOf<K>> {
    const done = await this.engine.waitForJob((await started).id);
    if (done.state !== 'done') throw new Error(`${done.kind} job ${done.state}: ${done.error ?? done.message}`);
    if (done.kind !== kind) throw new Error(`a ${kind} job was started but a ${done.kind} job finished`);
    return done as JobSnapshotOf<K>;
  }

  async importFolder(bench: BenchFolder): Promise<{ seconds: number; imported: number; failed: number }> {
    const started = performance.now();
    const job = await this.#finished('import', this.engine.call('importFolder', { folder: bench.folder, labelsFromSubfolders: false }));
    const seconds = (performance.now() - started) / 1000;
    const paths = this.engine.store.images.paths(this.engine.store.images.ids());
    for (const [imageId, path] of paths) {
      const file = path.slice(bench.folder.length + 1).split('\\').join('/');
      this.imageIdOf.set(file, imageId);
      this.#fileOfPath.set(path, file);
      this.#fileOfId.set(imageId, file);
    }
    return { seconds, imported: job.result!.imported, failed: job.result!.failed.length };
  }

  async pretrain(options: Partial<PretrainOptions>): Promise<JobSnapshotOf<'pretrain'>> {
    return this.#finished('pretrain', this.engine.call('startPretrain', options));
  }

  async embed(): Promise<JobSnapshotOf<'embed'>> {
    return this.#finished('embed', this.engine.call('startEmbed', {}));
  }

  /** One class per index, named c0, c1, … as a user would name them. */
  async createClasses(count: number): Promise<void> {
    for (let c = this.#classIds.length; c < count; c++) this.#classIds.push((await this.engine.call('createClass', { name: `c${c}` })).id);
  }

  classIndexOf(classId: number): number {
    return this.#classIds.indexOf(classId);
  }

  /** Replaces every label with the given ones (file → class index). */
  async setLabels(labels: Map<string, number>): Promise<void> {
    const labelled = this.engine.store.labels.labelled().map((l) => l.imageId);
    if (labelled.length > 0) await this.engine.call('setLabels', { imageIds: labelled, classId: null });
    const byClass = new Map<number, number[]>();
    for (const [file, classIndex] of labels) byClass.set(classIndex, [...(byClass.get(classIndex) ?? []), this.imageIdOf.get(file)!]);
    for (const [classIndex, imageIds] of byClass) await this.engine.call('setLabels', { imageIds, classId: this.#classIds[classIndex] });
  }

  async finetune(options: Partial<FinetuneOptions> = {}): Promise<{ result: FinetuneResult; seconds: number }> {
    const started = performance.now();
    const job = await this.#finished('finetune', this.engine.call('startFinetune', options));
    return { result: job.result!, seconds: (performance.now() - started) / 1000 };
  }

  /** The fine-tuned model's class index per image file, as the app stored its predictions. */
  predictions(): Map<string, number> {
    const classIndexByName = new Map(this.#classIds.map((id, index) => [this.engine.store.labels.classById(id).name, index]));
    return new Map(this.engine.store.outputs.predictionsForExport().map((p) => [this.#fileOfPath.get(p.path)!, classIndexByName.get(p.label)!]));
  }

  /** The file (relative to the folder) of an imported image. */
  fileOf(imageId: number): string {
    return this.#fileOfId.get(imageId)!;
  }

  /** The embed job's h per file. */
  embeddings(): Map<string, Float32Array> {
    return new Map(this.engine.store.outputs.embeddings().map((e) => [this.#fileOfId.get(e.imageId)!, e.vector]));
  }

  /** The files whose labels the last fine-tune flagged, likeliest first. */
  flaggedFiles(): string[] {
    return this.engine.store.outputs.labelIssues().map((issue) => this.#fileOfId.get(issue.imageId)!);
  }

  close(): void {
    this.engine.close();
  }
}

export const projectDirFor = (root: string, name: string) => join(root, `${name}-project`);

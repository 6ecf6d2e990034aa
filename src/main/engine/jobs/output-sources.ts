/**
 * Which encoder the embeddings, the map and the predictions came from. The jobs that compute them record the
 * pretrained encoder's version; an output whose version is no longer the project's is stale.
 */
import type { ModelOutput } from '../../../shared/contract';
import { modelOutputs } from '../../../shared/contract';
import { encoderVersion } from '../ml/files/checkpoint-layout';
import type { ProjectStore } from '../store/project-store';

/** Records that `outputs` were just computed with the project's current encoder. */
export function recordOutputSources(store: ProjectStore, outputs: ModelOutput[]): void {
  const version = encoderVersion(store.layout.pretrainCheckpoint);
  if (version) for (const output of outputs) store.outputs.recordSource(output, version);
}

/** The outputs that exist and were computed with another encoder than the project's current one. */
export function staleOutputs(store: ProjectStore): ModelOutput[] {
  const current = encoderVersion(store.layout.pretrainCheckpoint);
  if (!current) return [];
  const sources = store.outputs.sources();
  const present: Record<ModelOutput, boolean> = {
    embeddings: store.count('embeddings') > 0,
    map: store.outputs.hasMap(),
    predictions: store.count('predictions') > 0,
  };
  return modelOutputs.filter((output) => present[output] && sources.has(output) && sources.get(output) !== current);
}

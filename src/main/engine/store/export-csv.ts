/** The project's labels and predictions as CSV text, as `predict`, `export` and the UI write them. */
import { toCsv } from './csv';
import type { ProjectStore } from './project-store';

export function labelsCsv(store: ProjectStore): { text: string; rows: number } {
  const rows = store.labels.forExport();
  return { text: toCsv(['path', 'label'], rows.map((r) => [r.path, r.label])), rows: rows.length };
}

export function predictionsCsv(store: ProjectStore): { text: string; rows: number } {
  const rows = store.outputs.predictionsForExport();
  return { text: toCsv(['path', 'label', 'confidence'], rows.map((r) => [r.path, r.label, r.confidence.toFixed(6)])), rows: rows.length };
}

/**
 * Starts a worker thread on one of the engine's modules: in a build, its bundled .js beside the code; under tsx,
 * its .ts source. A worker thread does not inherit tsx's loader (nor honour `--import tsx` in Node 20), so a
 * small script registers it first.
 */
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startModuleThread(source: URL, built: URL, options: WorkerOptions = {}): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(fileURLToPath(built), options);
  const script = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source.href)}); })`;
  return new Worker(script, { ...options, eval: true });
}

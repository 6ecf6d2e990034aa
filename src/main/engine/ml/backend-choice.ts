/**
 * Which tfjs backend a job will use, told without loading TensorFlow into the engine process (the worker
 * loads it). The order is the one backend.ts tries: native GPU, native CPU, wasm, then plain JS.
 */
import { createRequire } from 'node:module';
import type { BackendName } from '../../../shared/contract';
import { StudioError, backendNames } from '../../../shared/contract';

const packageOf: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs',
};

export function isBackendName(name: string): name is BackendName {
  return (backendNames as readonly string[]).includes(name);
}

export function backendPackage(name: BackendName): string {
  return packageOf[name];
}

function isInstalled(packageName: string): boolean {
  try {
    createRequire(import.meta.url).resolve(packageName);
    return true;
  } catch {
    return false;
  }
}

/** The forced backend, else the one the last job really ran on, else the first whose package is installed. */
export function chooseBackendName(forced: string | undefined, lastUsed: string | null | undefined): BackendName {
  if (forced) {
    if (!isBackendName(forced)) throw new StudioError(`Unknown tfjs backend "${forced}"; choose one of ${backendNames.join(', ')}`);
    return forced;
  }
  if (lastUsed && isBackendName(lastUsed)) return lastUsed;
  return backendNames.find((name) => isInstalled(packageOf[name])) ?? 'cpu';
}

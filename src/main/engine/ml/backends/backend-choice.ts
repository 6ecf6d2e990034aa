/**
 * Which tfjs backend a job will use, told without loading TensorFlow into the engine process (the worker
 * loads it). The order is the one backend.ts tries: native GPU, native CPU, WebGPU on a real GPU, wasm,
 * then plain JS.
 */
import { createRequire } from 'node:module';
import type { BackendName } from '../../../../shared/contract';
import { StudioError, backendNames } from '../../../../shared/contract';
import { probeGpuAdapter } from './webgpu/adapter';

const packageOf: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
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

let gpuAdapterFound: Promise<boolean> | null = null;

async function isUsable(name: BackendName): Promise<boolean> {
  if (!isInstalled(packageOf[name])) return false;
  if (name !== 'webgpu') return true;
  gpuAdapterFound ??= probeGpuAdapter().then(({ adapter }) => adapter !== null && !adapter.software);
  return gpuAdapterFound;
}

/** The forced backend, else the one the last job really ran on, else the first that is installed and usable. */
export async function chooseBackendName(forced: string | undefined, lastUsed: string | null | undefined): Promise<BackendName> {
  if (forced) {
    if (!isBackendName(forced)) throw new StudioError(`Unknown tfjs backend "${forced}"; choose one of ${backendNames.join(', ')}`);
    return forced;
  }
  if (lastUsed && isBackendName(lastUsed)) return lastUsed;
  for (const name of backendNames) if (await isUsable(name)) return name;
  return 'cpu';
}

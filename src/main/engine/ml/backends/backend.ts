/**
 * Picks the fastest TensorFlow.js backend that loads on this machine. The native packages are optional
 * dependencies, so each is tried with a dynamic import and its absence is not an error unless forced.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { backendNames, type BackendName } from '../../../../shared/contract';
import { backendPackage, isBackendName } from './backend-choice';
import { installWasmAdaptations } from './tfjs-wasm/install';
import { tfjsVersionProblem } from './tfjs-version';
import { findGpuAdapter, probeGpuAdapter } from './webgpu/adapter';

let chosen: BackendName | null = null;
let pending: Promise<BackendName> | null = null;

/**
 * Loads one backend and makes it tf's active backend; throws with the reason when it cannot. Unless forced,
 * WebGPU must find a real GPU: on a software adapter it is far slower than wasm.
 */
async function activate(name: BackendName, forced: boolean): Promise<void> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      // Both native packages register under tf's backend name 'tensorflow' in the shared tfjs-core, whose
      // version choose() has checked; the packages themselves are pinned in package.json.
      await importOptional(backendPackage(name));
      await setTfBackend('tensorflow');
      return;
    case 'webgpu': {
      // A child looks first: Dawn prints its Vulkan loader's warnings where it finds no driver, and only a
      // machine with an adapter should ever see Dawn loaded here.
      const probe = await probeGpuAdapter();
      if (!probe.adapter) throw new Error(probe.missing ?? 'no WebGPU adapter');
      if (probe.adapter.software && !forced) throw new Error(`WebGPU adapter "${probe.adapter.description}" is software, not a GPU`);
      const adapter = await findGpuAdapter();
      if (!adapter) throw new Error(`the WebGPU adapter "${probe.adapter.description}" that a child process found does not answer here`);
      await import('@tensorflow/tfjs-backend-webgpu');
      // The package exports no version; its package.json has it.
      assertSupportedTfjs({ 'tfjs-backend-webgpu': (createRequire(import.meta.url)('@tensorflow/tfjs-backend-webgpu/package.json') as { version: string }).version });
      await setTfBackend('webgpu');
      return;
    }
    case 'wasm': {
      const { version_wasm } = await import('@tensorflow/tfjs-backend-wasm');
      assertSupportedTfjs({ 'tfjs-backend-wasm': version_wasm });
      await setTfBackend('wasm');
      installWasmAdaptations();
      return;
    }
    case 'cpu':
      await setTfBackend('cpu');
      return;
  }
}

/** A non-literal specifier keeps TypeScript and bundlers from requiring the optional package to exist. */
async function importOptional(specifier: string): Promise<unknown> {
  return import(specifier);
}

async function setTfBackend(tfName: string): Promise<void> {
  // setBackend resolves false (rather than throwing) when initialisation fails.
  if (!(await tf.setBackend(tfName))) throw new Error(`tf.setBackend('${tfName}') failed`);
  await tf.ready();
}

function parseName(name: string): BackendName {
  if (isBackendName(name)) return name;
  throw new Error(`unknown backend '${name}'; expected one of ${backendNames.join(', ')}`);
}

function assertSupportedTfjs(backendPackages: Record<string, string> = {}): void {
  const problem = tfjsVersionProblem({ ...tf.version, ...backendPackages });
  if (problem) throw new Error(problem);
}

async function choose(forced: string | undefined): Promise<BackendName> {
  // Checked before any backend is tried, so a mismatch is this message and not "no backend could be initialised".
  assertSupportedTfjs();
  if (forced) {
    const name = parseName(forced);
    try {
      await activate(name, true);
    } catch (err) {
      throw new Error(`backend '${name}' was forced but cannot be loaded: ${(err as Error).message}`, { cause: err });
    }
    return name;
  }
  for (const name of backendNames) {
    try {
      await activate(name, false);
      return name;
    } catch {
      // Optional backend not installed or not usable here: try the next one.
    }
  }
  throw new Error('no TensorFlow.js backend could be initialised');
}

/**
 * Initialises the backend once; later calls return the first choice. `forced` (or SIMCLR_BACKEND) names
 * one backend that must load.
 */
export async function initBackend(forced?: string): Promise<BackendName> {
  if (chosen) return chosen;
  pending ??= choose(forced ?? (process.env.SIMCLR_BACKEND || undefined)).then(
    (name) => (chosen = name),
    (err: unknown) => {
      pending = null; // a failed attempt may be retried with another choice
      throw err;
    },
  );
  return pending;
}

/** The backend chosen by initBackend, or null before it has run. */
export function currentBackend(): BackendName | null {
  return chosen;
}

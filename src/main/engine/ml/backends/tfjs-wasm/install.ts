/**
 * What training on tfjs-backend-wasm needs that the package lacks: gradient kernels, a fast batch norm and
 * leaner memory. Nothing here runs on import; backend.ts installs it once the wasm backend is active, and
 * every piece acts on wasm only (kernels registered for 'wasm', layer routes and the ReLU gradient that
 * check the active backend), so other backends run pristine tfjs.
 */
import { installWasmBatchNorm } from './batch-norm';
import { installWasmGradientKernels } from './gradient-kernels';
import { installWasmLeanMemory } from './lean-memory';

/** Installs every wasm adaptation; idempotent. Returns what it changed (nothing the second time). */
export function installWasmAdaptations(): string[] {
  return [...installWasmGradientKernels(), ...installWasmBatchNorm(), ...installWasmLeanMemory()];
}

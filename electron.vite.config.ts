import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Native and wasm-loading packages stay outside the bundle: Node resolves them from node_modules at run time.
const runtimeExternals = [
  'better-sqlite3',
  'sharp',
  'electron',
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-backend-webgpu',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  'webgpu',
  'ws',
  'zod',
];

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        external: runtimeExternals,
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          // The engine is its own entry: the shell imports it after the native self-check, and the packaging
          // test loads it from out/ in plain Node exactly as the packaged app resolves it.
          engine: resolve(__dirname, 'src/main/engine/engine.ts'),
          worker: resolve(__dirname, 'src/main/engine/jobs/worker.ts'),
          // The second training thread of the data-parallel trainer, started beside the worker.
          peer: resolve(__dirname, 'src/main/engine/ml/training/parallel/peer.ts'),
          // The map layout's second (and further) optimisation threads.
          'layout-thread': resolve(__dirname, 'src/main/engine/map/layout-thread.ts'),
        },
        // Shared chunks sit beside the entries, so `new URL('./worker.js', import.meta.url)` finds them.
        output: { chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: { rollupOptions: { input: resolve(__dirname, 'src/renderer/index.html') } },
    plugins: [svelte()],
  },
});

import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'docs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
    rules: {
      // Collections in state are copied and replaced through $state.raw, never mutated in place, so plain
      // Map and Set are the right tools; the rule cannot tell a replaced collection from a mutated one.
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
  {
    // Electron belongs to the desktop shell and its preload alone; the engine must run in plain Node.
    files: ['src/**/*.ts', 'src/**/*.svelte', 'scripts/**', 'tests/**', 'benchmarks/**'],
    ignores: ['src/main/index.ts', 'src/preload/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only the desktop shell (src/main/index.ts) and the preload may import electron.' }] }],
    },
  },
  {
    // The renderer reaches the engine only through the contract and a transport.
    files: ['src/renderer/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/main/**', 'node:*'], message: 'The renderer talks to the engine through src/shared/client.ts only.' }] }],
    },
  },
);

/**
 * The desktop shell's start-up self-check, kept free of Electron so it is tested in plain Node. A native addon
 * built for another Node ABI (better-sqlite3 compiled for the system Node, not Electron), a file an installer
 * left out, or an addon for another CPU would otherwise crash the app behind a blank window.
 */
import { createRequire } from 'node:module';

export type LoadFailureKind = 'abi' | 'library' | 'architecture' | 'missing' | 'other';

export interface NativeModuleProblem {
  module: string;
  /** What the app needs the module for, in the user's words. */
  purpose: string;
  kind: LoadFailureKind;
  /** One sentence: what went wrong. */
  summary: string;
  /** The loader's own message, for a bug report. */
  detail: string;
  /** What the user runs or does to fix it. */
  fix: string;
}

export interface NativeModule {
  name: string;
  purpose: string;
  /** Loads the module far enough that its binary is really opened (better-sqlite3 opens it on first use). */
  load(require: NodeJS.Require): void;
}

export const requiredNativeModules: readonly NativeModule[] = [
  {
    name: 'better-sqlite3',
    purpose: 'the project database',
    load(require) {
      const Database = require('better-sqlite3') as new (file: string) => { close(): void };
      new Database(':memory:').close();
    },
  },
  { name: 'sharp', purpose: 'reading images and making thumbnails', load: (require) => void require('sharp') },
];

export interface Runtime {
  /** An installed app (electron-builder's output), as opposed to a checkout started with `npm start`. */
  packaged: boolean;
}

/** Every required module that does not load, with what to do about it; empty when the engine can start. */
export function checkNativeModules(
  runtime: Runtime,
  modules: readonly NativeModule[] = requiredNativeModules,
  require: NodeJS.Require = createRequire(import.meta.url),
): NativeModuleProblem[] {
  const problems: NativeModuleProblem[] = [];
  for (const module of modules) {
    try {
      module.load(require);
    } catch (error) {
      problems.push(diagnoseLoadFailure(module, error, runtime));
    }
  }
  return problems;
}

const abiMismatch = /NODE_MODULE_VERSION (\d+)[\s\S]*?NODE_MODULE_VERSION (\d+)/;
const kindPatterns: [LoadFailureKind, RegExp][] = [
  ['abi', abiMismatch],
  ['library', /cannot open shared object file|Library not loaded|specified module could not be found|libvips/i],
  ['architecture', /wrong ELF class|invalid ELF header|incompatible architecture|wrong architecture|not a valid Win32 application|file too short|slice is not valid mach-o/i],
  ['missing', /Cannot find module|Could not locate the bindings file|ENOENT|no such file/i],
];

export function failureKind(message: string): LoadFailureKind {
  return kindPatterns.find(([, pattern]) => pattern.test(message))?.[0] ?? 'other';
}

function summaryOf(kind: LoadFailureKind, message: string): string {
  switch (kind) {
    case 'abi': {
      const [, builtFor, needed] = abiMismatch.exec(message)!;
      return `it was compiled for a different Node.js (module version ${builtFor}), but this Electron needs module version ${needed}`;
    }
    case 'library':
      return 'a shared library it links to is missing or cannot be opened';
    case 'architecture':
      return 'its binary is for another operating system or processor, or is damaged';
    case 'missing':
      return 'its files are not installed';
    case 'other':
      return 'it failed to load';
  }
}

function fixFor(kind: LoadFailureKind, module: string, runtime: Runtime): string {
  if (runtime.packaged) {
    return kind === 'abi'
      ? 'This installer was built without rebuilding its native modules for Electron. Install a release built with `npm run dist`, which rebuilds them.'
      : 'Part of this installation is missing or damaged. Reinstall SimCLR Studio with the installer for this computer.';
  }
  switch (kind) {
    case 'abi':
      return 'npm run rebuild:electron';
    case 'missing':
      return 'npm install';
    case 'library':
    case 'architecture':
      return `npm rebuild ${module} && npm run rebuild:electron`;
    case 'other':
      return 'npm install && npm run build';
  }
}

/** The first lines of a loader message: enough to report, short enough to read (sharp's runs to a page). */
function shortDetail(message: string): string {
  return message.split('\n').map((line) => line.trim()).filter(Boolean).slice(0, 4).join('\n');
}

export function diagnoseLoadFailure(module: Pick<NativeModule, 'name' | 'purpose'>, error: unknown, runtime: Runtime): NativeModuleProblem {
  const message = error instanceof Error ? error.message : String(error);
  const kind = failureKind(message);
  return {
    module: module.name,
    purpose: module.purpose,
    kind,
    summary: `${module.name} (${module.purpose}) could not be loaded: ${summaryOf(kind, message)}.`,
    detail: shortDetail(message),
    fix: fixFor(kind, module.name, runtime),
  };
}

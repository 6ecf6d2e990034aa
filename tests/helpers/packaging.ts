/**
 * What electron-builder would put into the installed app, computed by electron-builder's own code (its config
 * loader, its production-dependency collector and its asarUnpack file matcher), so the packaging tests check
 * the real rules without the Electron binary that a full build needs.
 */
import { mkdirSync, readdirSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const projectRoot = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);

// app-builder-lib's internals have no typings of their own that these few calls need.
interface BuilderConfig {
  files?: (string | { filter?: string[] })[];
  asarUnpack?: string[];
  [key: string]: unknown;
}
interface NodeModuleInfo {
  name: string;
  dir: string;
  dependencies?: NodeModuleInfo[];
}
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: null): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>;
};
const { getFileMatchers } = require('app-builder-lib/out/fileMatcher') as {
  getFileMatchers(
    config: BuilderConfig,
    name: 'asarUnpack',
    destination: string,
    options: { macroExpander: (pattern: string) => string; customBuildOptions: object; globalOutDir: string; defaultSrc: string },
  ): { createFilter(): (file: string, stat: Stats) => boolean }[] | null;
};
const { getCollectorByPackageManager, PM } = require('app-builder-lib/out/node-module-collector') as {
  getCollectorByPackageManager(pm: string, rootDir: string, tmp: unknown): { getNodeModules(options: { packageName: string }): Promise<{ nodeModules: NodeModuleInfo[] }> };
  PM: { NPM: string };
};
const { DebugLogger, TmpDir, log } = require('builder-util') as {
  DebugLogger: new (enabled: boolean) => unknown;
  TmpDir: new (label: string) => { cleanup(): Promise<void> };
  log: { stream: NodeJS.WritableStream };
};
// electron-builder logs to stdout in pieces, and node:test's child processes report to the runner over stdout: a
// log line in the middle of a report broke a run ("Unable to deserialize cloned data"). Its log goes to stderr.
log.stream = process.stderr;

/** electron-builder.yml as electron-builder loads it (with package.json's `build` merged in, if any). */
export function loadBuilderConfig(): Promise<BuilderConfig> {
  return getConfig(projectRoot, null, null);
}

/** The `files` patterns, flattened from the file sets the loader normalises them into. */
export function packagedFilePatterns(config: BuilderConfig): string[] {
  return (config.files ?? []).flatMap((entry) => (typeof entry === 'string' ? [entry] : (entry.filter ?? [])));
}

/** electron-builder's schema check, the first thing `electron-builder` does; rejects with its message. */
export function validateBuilderConfig(config: BuilderConfig): Promise<void> {
  return validateConfiguration(config, new DebugLogger(false));
}

/** Whether electron-builder would leave this file (absolute, inside the project) outside app.asar. */
export function asarUnpackFilter(config: BuilderConfig): (file: string) => boolean {
  const matchers = getFileMatchers(config, 'asarUnpack', join(projectRoot, 'dist', 'app'), {
    macroExpander: (pattern) => pattern,
    customBuildOptions: {},
    globalOutDir: join(projectRoot, 'dist'),
    defaultSrc: projectRoot,
  });
  if (!matchers) return () => false;
  const filter = matchers[0]!.createFilter();
  return (file) => filter(file, statSync(file));
}

/** The package folders electron-builder copies into the app's node_modules: production dependencies only. */
export async function packagedModuleDirs(): Promise<string[]> {
  const tmp = new TmpDir('simclr-packaging-test');
  try {
    const { name } = require(join(projectRoot, 'package.json')) as { name: string };
    const { nodeModules } = await getCollectorByPackageManager(PM.NPM, projectRoot, tmp).getNodeModules({ packageName: name });
    const dirs: string[] = [];
    const walk = (modules: NodeModuleInfo[]) => {
      for (const module of modules) {
        dirs.push(module.dir);
        if (module.dependencies) walk(module.dependencies);
      }
    };
    walk(nodeModules);
    return [...new Set(dirs)].sort();
  } finally {
    await tmp.cleanup();
  }
}

/** Every file under a folder, not descending into the nested node_modules that are packages of their own. */
export function filesOf(dir: string, { skipNodeModules = true } = {}): string[] {
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!(skipNodeModules && entry.name === 'node_modules')) walk(path);
      } else if (entry.isFile()) files.push(path);
    }
  };
  walk(dir);
  return files;
}

/**
 * A real electron-builder run of the Linux `dir` target (what the AppImage and deb wrap), with a stand-in for
 * the Electron binary it cannot download here. Only the two steps that need the real binary are off: the
 * native rebuild against Electron's headers and the fuse flips inside its executable. Resolves to the
 * `resources` folder holding app.asar and app.asar.unpacked.
 */
export async function packLinuxDir(outDir: string): Promise<string> {
  const standIn = join(outDir, 'stand-in-electron');
  mkdirSync(join(standIn, 'resources'), { recursive: true });
  writeFileSync(join(standIn, 'electron'), '#!/bin/sh\necho "stand-in for the Electron binary"\n', { mode: 0o755 });
  const { version } = require('electron/package.json') as { version: string };
  writeFileSync(join(standIn, 'version'), `v${version}`);
  const builder = require('electron-builder') as {
    build(options: object): Promise<string[]>;
    Platform: { LINUX: { createTarget(target: string): unknown } };
  };
  await builder.build({
    projectDir: projectRoot,
    targets: builder.Platform.LINUX.createTarget('dir'),
    publish: 'never',
    config: { electronDist: standIn, npmRebuild: false, electronFuses: null, directories: { output: join(outDir, 'dist') } },
  });
  return join(outDir, 'dist', 'linux-unpacked', 'resources');
}

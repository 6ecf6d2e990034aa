// npm run sample -- <dir> [--per-class N] [--size N] [--seed N]: writes a small labelled image folder to try the app on.
import { parseArgs } from 'node:util';
import { isAbsolute, relative, resolve } from 'node:path';
import { generateSampleFolder } from '../src/main/engine/sample/generate-sample.ts';

const USAGE = 'Usage: npm run sample -- <dir> [--per-class N] [--size N] [--seed N]';

const options = {
  'per-class': { type: 'string' },
  size: { type: 'string' },
  seed: { type: 'string' },
} as const;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(1);
}

function wholeNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) fail(`--${flag} must be a whole number, got "${value}"`);
  return Number(value);
}

function parseCommandLine() {
  try {
    return parseArgs({ options, allowPositionals: true });
  } catch (error) {
    return fail((error as Error).message);
  }
}

// npm runs scripts in the package root; INIT_CWD is where the user typed the command.
const invokedFrom = process.env.INIT_CWD ?? process.cwd();

/** A path as the user would type it from where they are: relative inside that folder, absolute elsewhere. */
function displayPath(path: string): string {
  const fromHere = relative(invokedFrom, path);
  return shellWord(fromHere === '' ? '.' : fromHere.startsWith('..') || isAbsolute(fromHere) ? path : fromHere);
}

/** Quotes a path only when a shell would split it, so the printed command can be pasted as is. */
function shellWord(path: string): string {
  return /^[\w./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}

const { values, positionals } = parseCommandLine();
if (positionals.length !== 1) fail(positionals.length === 0 ? 'Missing the folder to write the sample into.' : `Expected one folder, got ${positionals.length}: ${positionals.join(' ')}`);

try {
  const started = performance.now();
  const sample = await generateSampleFolder(resolve(invokedFrom, positionals[0]), {
    perClass: wholeNumber('per-class', values['per-class']),
    size: wholeNumber('size', values.size),
    seed: wholeNumber('seed', values.seed),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const shown = displayPath(sample.dir);
  // The project sits beside the images, not inside them, so a re-import does not scan its own files.
  const project = displayPath(`${sample.dir}-project`);
  console.log(`Wrote ${sample.files} images in ${sample.classes.length} classes (${sample.classes.join(', ')}) to ${shown} with labels.csv in ${seconds} s.`);
  console.log(`Next: npx simclr-studio import ${shown} --project ${project}`);
} catch (error) {
  fail((error as Error).message);
}

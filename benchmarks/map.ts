/**
 * The map at scale, printed as one JSON object (progress on stderr):
 *   npm run bench:map -- [--sizes 10000,70000,100000] [--pretrain-minutes 2] [--checkpoint DIR] [--fps-seconds 5] [--root DIR] [--reuse-project]
 * Writes Fashion-MNIST's 70,000 images as PNG files (and, for more, tinted copies of its train images), imports
 * them into one project, pretrains within the budget (or takes --checkpoint) and runs the embed job, whose map
 * of every image is the product's path (its mapSeconds). Then, on the stored embeddings: the product's layout of
 * the first N images for each size, timed with its peak resident memory, and the layout's quality as the share of
 * images whose 10 nearest on the map mostly share their class; beside it umap-js, the layout the product used
 * before, on the smallest size. Last, the server the CLI starts serves the project to headless Chromium, and the
 * map of every image is panned for --fps-seconds while the frames the page draws are counted. --reuse-project takes
 * the project an earlier run left, embeddings and all, and has the embed job lay its map out again.
 */
import { cpSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { UMAP } from 'umap-js';
import type { RunInfoOf } from '../src/shared/contract';
import { Engine } from '../src/main/engine/engine';
import { initBackend } from '../src/main/engine/ml/backends/backend';
import { layoutMap } from '../src/main/engine/map/layout';
import { Rng } from '../src/main/engine/ml/rng';
import { chromiumLaunchArgs, findChromium, noChromiumSentence } from '../scripts/chromium.mjs';
import { loadFashionMnist } from './quality/fashion-mnist';
import { asImageSet, firstOf, tint, writeBenchFolder } from './quality/image-folder';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,70000,100000' },
    'pretrain-minutes': { type: 'string', default: '2' },
    checkpoint: { type: 'string' },
    'fps-seconds': { type: 'string', default: '5' },
    root: { type: 'string', default: '.cache/bench' },
    'reuse-project': { type: 'boolean', default: false },
  },
});
const sizes = values.sizes.split(',').map(Number).sort((a, b) => a - b);
const root = resolve(values.root);
const log = (line: string) => process.stderr.write(`${line}\n`);
const round = (x: number, digits = 3) => +x.toFixed(digits);
const neighbors = 15;

/** The folders: Fashion-MNIST's train then test images, and tinted copies of train images past its 70,000. */
async function writeFolders(total: number) {
  const fm = await loadFashionMnist();
  const train = firstOf(asImageSet(fm.train), Math.min(total, fm.train.count));
  const test = firstOf(asImageSet(fm.test), Math.min(Math.max(0, total - train.count), fm.test.count));
  const folders = [{ set: [train, test], folder: await writeBenchFolder(root, `fashion-mnist-${train.count}-${test.count}`, train, test) }];
  const extra = total - train.count - test.count;
  if (extra > 0) {
    const tinted = firstOf(tint(fm.train, 21), extra);
    folders.push({ set: [tinted, firstOf(tinted, 0)], folder: await writeBenchFolder(root, `tinted-${extra}-0`, tinted, firstOf(tinted, 0)) });
  }
  // Each image's class by its path.
  const classOfPath = new Map<string, number>();
  for (const { set, folder } of folders) {
    folder.trainFiles.forEach((file, i) => classOfPath.set(join(folder.folder, file), set[0].labels[i]));
    folder.testFiles.forEach((file, i) => classOfPath.set(join(folder.folder, file), set[1].labels[i]));
  }
  return { folders: folders.map((f) => f.folder), classOfPath };
}

async function finished(engine: Engine, started: Promise<{ id: string }>) {
  const done = await engine.waitForJob((await started).id);
  if (done.state !== 'done') throw new Error(`${done.kind} job ${done.state}: ${done.error ?? done.message}`);
  return done;
}

/** The share of sampled points whose 10 nearest on the map mostly share their class (a majority vote). */
function layoutAccuracy(positions: ArrayLike<readonly [number, number]>, classes: ArrayLike<number>, sample = 2000): number {
  const count = classes.length;
  const rng = new Rng(5);
  let right = 0;
  for (let s = 0; s < sample; s++) {
    const i = rng.int(count);
    const nearest: [number, number][] = [];
    for (let j = 0; j < count; j++) {
      if (j === i) continue;
      const d = (positions[j][0] - positions[i][0]) ** 2 + (positions[j][1] - positions[i][1]) ** 2;
      if (nearest.length < 10 || d < nearest[9][0]) {
        nearest.push([d, j]);
        nearest.sort((a, b) => a[0] - b[0]);
        if (nearest.length > 10) nearest.pop();
      }
    }
    const votes = new Map<number, number>();
    for (const [, j] of nearest) votes.set(classes[j], (votes.get(classes[j]) ?? 0) + 1);
    const top = [...votes].sort((a, b) => b[1] - a[1])[0][0];
    if (top === classes[i]) right++;
  }
  return right / sample;
}

/** Runs `work` while sampling this process's resident memory; its result, seconds and peak in MiB. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; peakMiB: number }> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const started = performance.now();
  try {
    const result = await work();
    return { result, seconds: (performance.now() - started) / 1000, peakMiB: Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20) };
  } finally {
    clearInterval(sampler);
  }
}

function umapJsLayout(vectors: Float32Array[]): [number, number][] {
  const rng = new Rng(1);
  const umap = new UMAP({ nComponents: 2, nNeighbors: neighbors, minDist: 0.1, random: () => rng.next(),
    distanceFn: (a, b) => {
      let [dot, na, nb] = [0, 0, 0];
      for (let i = 0; i < a.length; i++) [dot, na, nb] = [dot + a[i] * b[i], na + a[i] * a[i], nb + b[i] * b[i]];
      return 1 - dot / (Math.sqrt(na * nb) || 1);
    } });
  return umap.fit(vectors.map((v) => Array.from(v))) as [number, number][];
}

/** Pans the map of every point in headless Chromium and counts the frames the page draws meanwhile. */
async function panFramesPerSecond(projectDir: string, points: number, seconds: number) {
  const found = findChromium();
  if (!found) throw new Error(noChromiumSentence);
  const server = spawn(process.execPath, ['bin/simclr-studio.mjs', 'serve', '--port', '0', '--json', '--project', projectDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let openUrl = '';
    for await (const line of createInterface({ input: server.stdout! })) {
      if (line.startsWith('{')) {
        openUrl = (JSON.parse(line) as { openUrl: string }).openUrl;
        break;
      }
    }
    const browser = await chromium.launch({ executablePath: found.path, args: chromiumLaunchArgs });
    try {
      const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
      await page.goto(openUrl);
      await page.getByTestId('nav-map').click();
      await page.getByTestId('map-count').filter({ hasText: `${points} points` }).waitFor({ timeout: 120_000 });
      const map = page.getByTestId('embedding-map');
      const renderer = await map.getAttribute('data-renderer');
      // In the page (as source text: this file is typed for Node, without the DOM).
      const gl = await page.evaluate<string>(`(() => {
        const context = document.createElement('canvas').getContext('webgl');
        const info = context && context.getExtension('WEBGL_debug_renderer_info');
        return context && info ? String(context.getParameter(info.UNMASKED_RENDERER_WEBGL)) : 'none';
      })()`);
      const box = (await map.boundingBox())!;
      const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
      const viewBefore = await map.getAttribute('data-view');
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      // Each frame moves the pointer on (a pan, so a redraw of every point) and records when it ran: the page's
      // frame rate while panning, not limited by how fast the test can send input.
      const times = await page.evaluate<number[]>(`new Promise((resolve) => {
        const canvas = document.querySelector('[data-testid="embedding-map"]');
        const times = [];
        const until = performance.now() + ${seconds * 1000};
        const tick = (t) => {
          times.push(t);
          const n = times.length;
          canvas.dispatchEvent(new PointerEvent('pointermove', { bubbles: true, pointerId: 1, isPrimary: true, clientX: ${cx} + 120 * Math.cos(n / 15), clientY: ${cy} + 80 * Math.sin(n / 15) }));
          if (t < until) requestAnimationFrame(tick);
          else resolve(times);
        };
        requestAnimationFrame(tick);
      })`);
      await page.mouse.up();
      const panned = (await map.getAttribute('data-view')) !== viewBefore;
      const span = (times.at(-1)! - times[0]) / 1000;
      return { renderer, webglRenderer: gl, points, seconds: round(span, 1), framesPerSecond: round((times.length - 1) / span, 1), panned };
    } finally {
      await browser.close();
    }
  } finally {
    server.kill('SIGTERM');
  }
}

// The layouts below run in this process on the backend the embed job's worker uses.
await initBackend('wasm');
const total = sizes.at(-1)!;
const { folders, classOfPath } = await writeFolders(total);
log(`folders ready: ${folders.map((f) => f.folder).join(', ')}`);
const projectDir = join(root, `map-${total}-project`);
if (!values['reuse-project']) rmSync(projectDir, { recursive: true, force: true });
const engine = new Engine({ backend: 'wasm' });
await engine.call('openProject', { dir: projectDir });
const lastEmbed = () => engine.store.runs.list().find((run): run is RunInfoOf<'embed'> => run.kind === 'embed' && run.state === 'done');
if (!values['reuse-project'] || !lastEmbed()) {
  for (const folder of folders) {
    const started = performance.now();
    await finished(engine, engine.call('importFolder', { folder: folder.folder, labelsFromSubfolders: false }));
    log(`imported ${folder.folder} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  if (values.checkpoint) cpSync(resolve(values.checkpoint), engine.store.layout.pretrainCheckpoint, { recursive: true });
  else await finished(engine, engine.call('startPretrain', { epochs: 10_000, timeBudgetSeconds: Number(values['pretrain-minutes']) * 60 }));
  await finished(engine, engine.call('startEmbed', {}));
} else {
  await finished(engine, engine.call('startEmbed', { relayout: true }));
}
const embedMetrics = lastEmbed()!.metrics;
log(`embed job: ${JSON.stringify(embedMetrics)}`);

const embeddings = engine.store.outputs.embeddings();
const paths = engine.store.images.paths(embeddings.map((e) => e.imageId));
const classes = embeddings.map((e) => classOfPath.get(paths.get(e.imageId)!)!);
const stored = new Map(engine.store.outputs.mapPoints().map((p) => [p.id, [p.x, p.y] as const]));
const jobLayout = { images: embeddings.length, mapSeconds: round(embedMetrics.mapSeconds ?? NaN, 1), accuracy10Nn: round(layoutAccuracy(embeddings.map((e) => stored.get(e.imageId)!), classes)) };
log(`the embed job's map: ${JSON.stringify(jobLayout)}`);
engine.close();

const layouts = [];
for (const size of sizes.filter((s) => s <= embeddings.length)) {
  const vectors = embeddings.slice(0, size).map((e) => e.vector);
  const product = await measured(() => layoutMap(vectors, { neighbors, seed: 1 }));
  const row: Record<string, unknown> = { points: size, seconds: round(product.seconds, 1), peakMiB: product.peakMiB, accuracy10Nn: round(layoutAccuracy(product.result, classes.slice(0, size))) };
  if (size === sizes[0]) {
    const reference = await measured(async () => umapJsLayout(vectors));
    row.umapJs = { seconds: round(reference.seconds, 1), peakMiB: reference.peakMiB, accuracy10Nn: round(layoutAccuracy(reference.result, classes.slice(0, size))) };
  }
  log(`layout ${JSON.stringify(row)}`);
  layouts.push(row);
}

const panning = await panFramesPerSecond(projectDir, embeddings.length, Number(values['fps-seconds']));
log(`panning ${JSON.stringify(panning)}`);
process.stdout.write(JSON.stringify({ cpus: availableParallelism(), backend: 'wasm', embedJob: jobLayout, layouts, panning }) + '\n');
process.exit(0);

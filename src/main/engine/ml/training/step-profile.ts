/**
 * Where a training step's time goes, and how many kernels (tfjs ops) it launches, by phase: data (reading the
 * batch), augment, forward, backward, optimizer, readback, and other (splits, concats, frees). The training code
 * marks its phases with `phase()`, which costs nothing unless a profile is running; `profileStep` runs one step
 * under tf.profile and splits its kernel list at the phase marks. On a backend that queues work (WebGPU), a
 * phase's wall time is when its kernels were issued; kernelMs, which tf.profile measures on the device, is what
 * they took. Two kinds of entry in tf.profile's list are not launches and are left out: op scopes
 * (`fusedConv2d__op`, `unnamed scope`), and Reshape, which on wasm and WebGPU changes a tensor's shape and not its
 * data (counted apart, as `reshapes`).
 */
import * as tf from '@tensorflow/tfjs';

export const stepPhases = ['data', 'augment', 'forward', 'backward', 'optimizer', 'readback'] as const;
export type StepPhase = (typeof stepPhases)[number];
type Counted = StepPhase | 'other';

export interface StepProfile {
  /** Kernels launched in each phase; `other` is the step's kernels outside any phase. */
  kernels: Record<Counted, number> & { total: number };
  /** Wall-clock milliseconds in each phase; `other` is the rest of the step's wall time. */
  wallMs: Record<Counted, number> & { total: number };
  /** The kernels' own time, summed per phase, as tf.profile measured it. */
  kernelMs: Record<Counted, number> & { total: number };
  /** Kernels by name over the whole step, most launched first. */
  kernelsByName: [string, number][];
  /** The same within each phase. */
  kernelsByPhase: Record<Counted, [string, number][]>;
  /** Reshapes in the step: shape changes that move no data on wasm and WebGPU. */
  reshapes: number;
}

const isScopeRecord = (name: string) => name.endsWith('__op') || name === 'unnamed scope';

interface Mark {
  phase: StepPhase;
  firstKernel: number;
  lastKernel: number;
  wallMs: number;
}

interface ActiveProfile {
  marks: Mark[];
  depth: number;
}

let active: ActiveProfile | null = null;

/** tf.profile's kernel list so far (tfjs keeps it on the engine's state while a profile runs). */
function kernelsSoFar(): number {
  const state = (tf.engine() as unknown as { state: { activeProfile?: { kernels: unknown[] } } }).state;
  return state.activeProfile?.kernels.length ?? 0;
}

/** Runs one phase of a step; under profileStep it is timed and its kernels counted (nested phases count once, outermost). */
export function phase<T>(name: StepPhase, run: () => T): T {
  if (!active || active.depth > 0) return run();
  const profile = active;
  const firstKernel = kernelsSoFar();
  const started = performance.now();
  profile.depth++;
  const done = () => {
    profile.depth--;
    profile.marks.push({ phase: name, firstKernel, lastKernel: kernelsSoFar(), wallMs: performance.now() - started });
  };
  try {
    const result = run();
    if (result instanceof Promise) return result.finally(done) as T;
    done();
    return result;
  } catch (error) {
    done();
    throw error;
  }
}

const zeros = (): Record<Counted, number> & { total: number } => ({ data: 0, augment: 0, forward: 0, backward: 0, optimizer: 0, readback: 0, other: 0, total: 0 });

/** Runs `step` (one whole training step, its data phase included) under tf.profile and splits it by phase. */
export async function profileStep(step: () => Promise<unknown>): Promise<StepProfile> {
  if (active) throw new Error('profileStep cannot nest');
  const profile: ActiveProfile = { marks: [], depth: 0 };
  active = profile;
  let wall = 0;
  let info: Awaited<ReturnType<typeof tf.profile>>;
  try {
    info = await tf.profile(async () => {
      // Timed inside: tf.profile then waits for the kernels' own timings, which is no part of the step.
      const started = performance.now();
      await step();
      wall = performance.now() - started;
    });
  } finally {
    active = null;
  }
  const kernels = zeros();
  const wallMs = zeros();
  const kernelMs = zeros();
  const phaseOf = new Array<Counted>(info.kernels.length).fill('other');
  for (const mark of profile.marks) {
    for (let k = mark.firstKernel; k < mark.lastKernel; k++) phaseOf[k] = mark.phase;
    wallMs[mark.phase] += mark.wallMs;
  }
  const byName = new Map<string, number>();
  const byPhase = new Map<Counted, Map<string, number>>();
  let reshapes = 0;
  info.kernels.forEach((kernel, index) => {
    if (isScopeRecord(kernel.name)) return;
    if (kernel.name === 'Reshape') {
      reshapes++;
      return;
    }
    kernels[phaseOf[index]!]++;
    // Where the backend times kernels asynchronously, tf.profile has awaited it by now.
    kernelMs[phaseOf[index]!] += Number(kernel.kernelTimeMs) || 0;
    byName.set(kernel.name, (byName.get(kernel.name) ?? 0) + 1);
    const names = byPhase.get(phaseOf[index]!) ?? new Map<string, number>();
    names.set(kernel.name, (names.get(kernel.name) ?? 0) + 1);
    byPhase.set(phaseOf[index]!, names);
  });
  const mostFirst = (counts: Map<string, number> | undefined): [string, number][] => [...(counts ?? [])].sort((a, b) => b[1] - a[1]);
  const kernelsByPhase = Object.fromEntries([...stepPhases, 'other' as const].map((name) => [name, mostFirst(byPhase.get(name))])) as Record<Counted, [string, number][]>;
  kernels.total = stepPhases.reduce((sum, name) => sum + kernels[name], kernels.other);
  wallMs.total = wall;
  wallMs.other = Math.max(0, wall - stepPhases.reduce((sum, name) => sum + wallMs[name], 0));
  kernelMs.total = stepPhases.reduce((sum, name) => sum + kernelMs[name], kernelMs.other);
  return { kernels, wallMs, kernelMs, kernelsByName: mostFirst(byName), kernelsByPhase, reshapes };
}

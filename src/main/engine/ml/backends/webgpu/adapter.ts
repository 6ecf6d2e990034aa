/**
 * WebGPU in Node through Dawn (the `webgpu` package), for @tensorflow/tfjs-backend-webgpu. It reaches the GPU
 * through the system's Vulkan driver, so it trains on a GPU where libtensorflow (tfjs-node-gpu) cannot be
 * installed or does not match the machine's CUDA. Software adapters (SwiftShader, llvmpipe) also answer;
 * they are far slower than wasm, so only a forced choice takes one.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export interface GpuAdapterSummary {
  /** e.g. "nvidia", "google"; empty when the driver does not say. */
  vendor: string;
  /** The driver's own description, e.g. "NVIDIA H200" or "SwiftShader driver 5.0.0". */
  description: string;
  /** True for a CPU implementation of WebGPU rather than a GPU. */
  software: boolean;
}

interface DawnAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter?: boolean;
}

interface DawnAdapter {
  info: DawnAdapterInfo;
}

interface DawnGpu {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<DawnAdapter | null>;
}

/** What tfjs-backend-webgpu asks for; the in-process check and the child's probe ask for the same adapter. */
const adapterOptions = { powerPreference: 'high-performance' } as const;

let installed: Promise<DawnGpu | null> | null = null;

/**
 * Gives this process a browser-like `navigator.gpu` backed by Dawn (tfjs-backend-webgpu looks for exactly
 * that). Null when the package or its native module does not load on this platform.
 */
export function installNavigatorGpu(): Promise<DawnGpu | null> {
  installed ??= import('webgpu').then(
    ({ create, globals }) => {
      Object.assign(globalThis, globals);
      const gpu = create([]) as unknown as DawnGpu;
      // Node 21+ has its own navigator; keep its other fields.
      const navigator = ((globalThis as { navigator?: object }).navigator ?? {}) as { gpu?: DawnGpu };
      Object.defineProperty(navigator, 'gpu', { value: gpu, configurable: true });
      Object.defineProperty(globalThis, 'navigator', { value: navigator, configurable: true, writable: true });
      return gpu;
    },
    () => null,
  );
  return installed;
}

function summarise(info: DawnAdapterInfo): GpuAdapterSummary {
  const { vendor, architecture, device, description, isFallbackAdapter } = info;
  const software = Boolean(isFallbackAdapter) || /swiftshader|llvmpipe|lavapipe/i.test(`${architecture} ${device} ${description}`);
  return { vendor, description: description || device || architecture, software };
}

/** The adapter tfjs-backend-webgpu would get, or null when there is none. */
export async function findGpuAdapter(): Promise<GpuAdapterSummary | null> {
  const gpu = await installNavigatorGpu();
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter(adapterOptions);
    return adapter ? summarise(adapter.info) : null;
  } catch {
    return null; // Dawn throws rather than resolving null when no Vulkan driver loads
  }
}

/** What a probe found: the adapter, or why there is none and how to get one (one line). */
export interface GpuProbe {
  adapter: GpuAdapterSummary | null;
  missing: string | null;
}

const noDawn = "the webgpu package's Dawn module does not load on this platform (run `npm install` again)";
const noVulkanLoader = 'no Vulkan loader: install libvulkan1 (`apt-get install libvulkan1`) and your GPU vendor\'s Vulkan driver';
const noVulkanDriver = "no Vulkan driver answered: install your GPU vendor's Vulkan driver (NVIDIA's, or mesa-vulkan-drivers for AMD and Intel)";

/** Why Dawn found no adapter, from what it printed while it looked (its Vulkan loader's warnings). */
export function missingGpuReason(dawnLoaded: boolean, dawnOutput: string): string {
  if (!dawnLoaded) return noDawn;
  if (/Couldn't load Vulkan/i.test(dawnOutput)) return noVulkanLoader;
  return noVulkanDriver;
}

/**
 * findGpuAdapter, asked of a short-lived child process: what Dawn and the Vulkan loader print while they look
 * (warnings with paths into Dawn's build tree when there is no driver) stays out of the engine's output, and
 * a driver that crashes takes only the child with it.
 */
export async function probeGpuAdapter(): Promise<GpuProbe> {
  let webgpuUrl: string;
  try {
    webgpuUrl = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch {
    return { adapter: null, missing: noDawn };
  }
  const script = `
    let webgpu;
    try { webgpu = await import(${JSON.stringify(webgpuUrl)}); } catch { process.stdout.write('{"loaded":false}'); process.exit(0); }
    Object.assign(globalThis, webgpu.globals);
    const adapter = await webgpu.create([]).requestAdapter(${JSON.stringify(adapterOptions)}).catch(() => null);
    const info = adapter && adapter.info;
    process.stdout.write(JSON.stringify({ loaded: true, info: info && { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description, isFallbackAdapter: info.isFallbackAdapter } }));
    process.exit(0);`;
  // In Electron's main process execPath is Electron itself, which this variable turns into plain Node.
  const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { env, timeout: 30_000 }, (err, stdout, stderr) => {
      let answer: { loaded: boolean; info?: DawnAdapterInfo | null } = { loaded: false };
      try {
        if (!err) answer = JSON.parse(stdout) as typeof answer;
      } catch {
        // the child printed something else: no answer
      }
      resolve(answer.info ? { adapter: summarise(answer.info), missing: null } : { adapter: null, missing: missingGpuReason(answer.loaded, `${stdout}${stderr}`) });
    });
  });
}

/**
 * The worker process: runs one training-side job (pretrain, embed, finetune, export) and exits. It opens the
 * project database itself and reports progress to the engine over the process channel.
 */
import type { FromWorker, ToWorker } from './protocol';
import { ProjectStore } from '../store/project-store';
import { initBackend } from '../ml/backends/backend';
import { tasks } from './tasks';

interface ParentPort {
  on(event: 'message', listener: (message: { data: ToWorker }) => void): void;
  postMessage(message: FromWorker): void;
}

/** Electron's utilityProcess talks through process.parentPort; a Node child through process.send. */
function connectToParent(): { send(message: FromWorker): Promise<void>; onMessage(listener: (m: ToWorker) => void): void } {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      send: async (message) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data)),
    };
  }
  if (!process.send) throw new Error('worker.ts must be started by the engine (no parent channel)');
  return {
    send: (message) => new Promise<void>((resolve) => process.send!(message, undefined, {}, () => resolve())),
    onMessage: (listener) => process.on('message', (message) => listener(message as ToWorker)),
  };
}

const parent = connectToParent();
const controller = new AbortController();
// A worker whose engine died (killed CLI, crashed app) has no one to report to: stop rather than train on.
process.on('disconnect', () => process.exit(1));

parent.onMessage((message) => {
  if (message.type === 'cancel') controller.abort();
  else void run(message).finally(() => process.exit(0));
});

async function run(start: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  let store: ProjectStore | null = null;
  let backend = 'unknown';
  try {
    store = ProjectStore.open(start.projectDir);
    backend = await initBackend(start.backend);
    const outcome = await tasks[start.kind]({
      store,
      options: start.options,
      backend,
      signal: controller.signal,
      report: (update) => void parent.send({ type: 'progress', ...update }),
    });
    await parent.send(
      controller.signal.aborted
        ? { type: 'cancelled', metrics: outcome.metrics, backend }
        : { type: 'done', result: outcome.result, metrics: outcome.metrics, backend },
    );
  } catch (error) {
    await parent.send(
      controller.signal.aborted ? { type: 'cancelled', metrics: {}, backend } : { type: 'failed', message: describeWorkerError(error, backend) },
    );
  } finally {
    store?.close();
  }
}

/** The wasm runtime reports running out of its memory as a bare "Aborted()"; say what it means and what helps. */
function describeWorkerError(error: unknown, backend: string): string {
  const message = (error as Error)?.message ?? String(error);
  if (backend === 'wasm' && /^Aborted\(/.test(message)) {
    return 'The wasm backend ran out of memory for this batch; choose a smaller batch size or image size';
  }
  return message;
}

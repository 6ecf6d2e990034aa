/** Starts the job worker as a Node child process (CLI, `serve`, tests). The desktop shell uses utilityProcess. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromWorker, WorkerHandle, WorkerLauncher } from './protocol';

/** Under tsx the sources run as .ts; in a build the worker is bundled to worker.js beside this file. */
export function workerEntryPath(): { path: string; isTypeScript: boolean } {
  const isTypeScript = import.meta.url.endsWith('.ts');
  return { path: fileURLToPath(new URL(isTypeScript ? './worker.ts' : './worker.js', import.meta.url)), isTypeScript };
}

export const launchNodeWorker: WorkerLauncher = () => {
  const entry = workerEntryPath();
  const child = fork(entry.path, [], {
    execArgv: entry.isTypeScript ? ['--import', 'tsx'] : [],
    // The worker's chatter goes to stderr so a CLI caller's stdout stays clean for --json.
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  child.stdout?.pipe(process.stderr);
  return {
    send: (message) => child.send(message),
    onMessage: (listener) => child.on('message', (message) => listener(message as FromWorker)),
    onExit: (listener) => child.on('exit', (code) => listener(code)),
    kill: () => child.kill('SIGKILL'),
  } satisfies WorkerHandle;
};

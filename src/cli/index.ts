/**
 * `simclr-studio <command> --project <dir> [--json]`: the engine from a terminal or a script. With --json the
 * last line on stdout is one JSON object; progress goes to stderr; failures exit non-zero with a message.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import type { JobSnapshot } from '../shared/contract';
import { StudioError } from '../shared/contract';
import { Engine } from '../main/engine/engine';
import { inProcessTransport } from '../main/transports/in-process';
import { createStudioClient, type StudioClient } from '../shared/client';
import { commands, usage, type CliCommand } from './commands';

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command: CliCommand | undefined = commands[name];
  if (!command) throw new UsageError(`Unknown command "${name}"`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      project: { type: 'string' },
      json: { type: 'boolean', default: false },
      backend: { type: 'string' },
      ...command.options,
    },
  });
  const projectDir = values.project as string | undefined;
  if (!projectDir && command.needsProject !== false) throw new UsageError(`${name} needs --project <dir>`);

  const engine = new Engine({ backend: values.backend as string | undefined });
  // The CLI goes through the same checked API as the UI, only without a process boundary.
  const client = createStudioClient(inProcessTransport(engine));
  try {
    // Only commands that add to a project make one; a mistyped --project elsewhere is an error, not a new project.
    if (projectDir) await client.openProject({ dir: resolve(projectDir), create: command.createsProject === true });
    const output = await command.run({ engine, client, values, positionals, waitForJob: (job) => followJob(engine, client, job) });
    if (output === undefined) return 0; // long-running commands (serve) print their own output
    if (values.json) process.stdout.write(JSON.stringify(output) + '\n');
    else process.stdout.write(command.describe ? command.describe(output) + '\n' : JSON.stringify(output, null, 2) + '\n');
    return 0;
  } finally {
    engine.close();
  }
}

/** Shows a job's progress on stderr until it ends; Ctrl-C cancels it (the worker checkpoints first). */
async function followJob(engine: Engine, client: StudioClient, job: JobSnapshot): Promise<JobSnapshot> {
  const live = process.stderr.isTTY;
  let lastLine = 0;
  const stopListening = engine.onEvent((event, payload) => {
    const snapshot = payload as JobSnapshot;
    if (event !== 'job' || snapshot.id !== job.id || snapshot.state !== 'running') return;
    const now = Date.now();
    if (!live && now - lastLine < 2000) return;
    lastLine = now;
    const percent = snapshot.fraction === null ? '' : `${(snapshot.fraction * 100).toFixed(0).padStart(3)}% `;
    const line = `${job.kind}: ${percent}${snapshot.message}`;
    process.stderr.write(live ? `\r\x1b[2K${line}` : `${line}\n`);
  });
  const onInterrupt = () => {
    process.stderr.write(`\nCancelling ${job.kind}…\n`);
    void client.cancelJob({ jobId: job.id });
  };
  process.once('SIGINT', onInterrupt);
  try {
    const final = await engine.waitForJob(job.id);
    if (live) process.stderr.write('\r\x1b[2K');
    if (final.state === 'failed') throw new StudioError(final.error ?? `${job.kind} failed`);
    if (final.state === 'cancelled') throw new StudioError(`${job.kind} was cancelled; its last checkpoint is kept`);
    return final;
  } finally {
    stopListening();
    process.off('SIGINT', onInterrupt);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`simclr-studio: ${message}\n`);
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`Run "simclr-studio --help" for the commands and their options.\n`);
      process.exit(2);
    }
    process.exit(1);
  },
);

/**
 * SimCLR Studio as real processes, for the reliability tests: the server as `simclr-studio serve` starts it
 * (API only, so no UI build), called over HTTP like the browser UI; and the CLI, run to its end.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
export const studioEnv = { ...process.env, SIMCLR_BACKEND: 'wasm' };

export interface Reply<T = unknown> {
  status: number;
  body: T;
}

export interface StudioProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  token: string;
  /** POST /api/call/<command> with the token; resolves with the status and the parsed body, whatever the status. */
  call<T = Record<string, unknown>>(command: string, args?: unknown): Promise<Reply<T>>;
  /** Sends a raw body (not JSON, too large) to a command. */
  post(path: string, body: string | Buffer): Promise<Reply>;
  /** Like call, but fails unless the status is 200. */
  ok<T = Record<string, unknown>>(command: string, args?: unknown): Promise<T>;
  exited: Promise<number | null>;
  /** SIGKILL to the server and its workers (its own process group), as a crash or the OOM killer would. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStudio(project?: string): Promise<StudioProcess> {
  const args = ['bin/simclr-studio.mjs', 'serve', '--api-only', '--port', '0', '--json', ...(project ? ['--project', project] : [])];
  const child = spawn(process.execPath, args, { env: studioEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let ready: { url: string; token: string } | undefined;
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line.startsWith('{')) {
      ready = JSON.parse(line) as { url: string; token: string };
      break;
    }
  }
  if (!ready) throw new Error(`The server did not start: ${stderr.trim()}`);
  const { url, token } = ready;
  const post = async (path: string, body: string | Buffer): Promise<Reply> => {
    const response = await fetch(new URL(path, url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: kept as text, for the assertion to show
    }
    return { status: response.status, body: parsed };
  };
  const call = <T>(command: string, args: unknown = {}) => post(`/api/call/${command}`, JSON.stringify(args)) as Promise<Reply<T>>;
  return {
    child,
    pid: child.pid!,
    url,
    token,
    call,
    post,
    exited,
    async ok<T>(command: string, args: unknown = {}) {
      const reply = await call<T>(command, args);
      if (reply.status !== 200) throw new Error(`${command}: ${reply.status} ${JSON.stringify(reply.body)}`);
      return reply.body;
    },
    async kill9() {
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
  /** The last stdout line as JSON, when the command succeeded with --json. */
  json: Record<string, unknown> | null;
}

/** Runs `simclr-studio <args> --project <project> --json` to its end; never throws on a non-zero exit. */
export async function cli(project: string, ...args: string[]): Promise<CliOutcome> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ['bin/simclr-studio.mjs', ...args, '--project', project, '--json'], { env: studioEnv });
    return { code: 0, stdout, stderr, json: JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown> };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', json: null };
  }
}

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

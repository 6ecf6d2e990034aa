/**
 * One SimCLR Studio process per project: two engines on one project would each keep their own label history
 * and run jobs over the same checkpoint. The engine that opens a project holds a lock file naming its pid; its
 * own worker processes open the store without it. A lock whose process is gone (killed, crashed) is taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StudioError } from '../../../shared/contract';

/** A dotfile, so a project folder left with only its lock still counts as empty when created anew. */
export const lockFileName = '.simclr-studio.lock';

export interface ProjectLock {
  release(): void;
}

/** Locks this process holds, by file, with how many open stores share each (switching projects reopens one). */
const heldHere = new Map<string, number>();

function holdHere(path: string): ProjectLock {
  heldHere.set(path, (heldHere.get(path) ?? 0) + 1);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      const left = heldHere.get(path)! - 1;
      if (left > 0) return void heldHere.set(path, left);
      heldHere.delete(path);
      if (holderOf(path) === process.pid) rmSync(path, { force: true });
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's process.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderOf(path: string): number | null {
  try {
    const pid = Number((JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown }).pid);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null; // unreadable or half-written: a process that died while taking it
  }
}

/** Takes the project's lock, or fails naming the project and the process that holds it. */
export function acquireProjectLock(dir: string): ProjectLock {
  const path = join(dir, lockFileName);
  if (heldHere.has(path)) return holdHere(path);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // 'wx' creates the file only if it is absent, so of two racing processes exactly one wins.
      writeFileSync(path, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }), { flag: 'wx' });
      return holdHere(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new StudioError(`${path}: cannot lock the project (${(error as Error).message})`);
    }
    const holder = holderOf(path);
    if (holder === process.pid) return holdHere(path); // left by this process (same pid, e.g. in a container)
    if (holder !== null && isAlive(holder)) {
      throw new StudioError(`${dir} is open in another SimCLR Studio process (pid ${holder}); close it there first`);
    }
    // Stale: its process is gone. Two processes taking over one stale lock at the same instant could both
    // win; without OS file locks that window stays, but it needs a crash and two opens within microseconds.
    rmSync(path, { force: true });
  }
  throw new StudioError(`${path}: cannot lock the project (another process keeps taking it)`);
}

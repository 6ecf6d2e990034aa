/**
 * An export is written into a hidden folder beside its destination and renamed into place only when complete,
 * so a failed, cancelled or killed export never leaves a half-written folder that looks like a finished one.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StudioError } from '../../../shared/contract';
import { diskFullError, isDiskFull } from '../store/disk-full';

export interface StagedFolder {
  /** Where to write while the export runs. */
  readonly dir: string;
  /** Moves the finished folder to its destination (replacing what was there, when allowed). */
  commit(): Promise<void>;
  /** Removes what was written; the destination is untouched. */
  discard(): Promise<void>;
}

/** What the destination holds now: nothing, an empty folder, or files (refused unless `replace`). */
function checkDestination(target: string, replace: boolean): void {
  if (!existsSync(target)) return;
  if (!statSync(target).isDirectory()) throw new StudioError(`${target}: a file of that name exists; choose a folder name for the export`);
  if (!replace && readdirSync(target).length > 0) {
    throw new StudioError(`${target}: this folder exists and is not empty; choose another name, or allow replacing it`);
  }
}

/** A reason a folder cannot be written, in words, from a file-system error. */
export function describeWriteError(where: string, error: unknown): StudioError {
  if (error instanceof StudioError) return error;
  if (isDiskFull(error)) return diskFullError(where, error, 'nothing was exported');
  const code = (error as { code?: string }).code;
  const reason = code === 'EACCES' || code === 'EPERM' ? 'no permission to write there' : code === 'EROFS' ? 'the disk is read-only' : (error as Error).message;
  return new StudioError(`${where}: cannot write the export (${reason})`);
}

export async function stageFolder(target: string, replace: boolean): Promise<StagedFolder> {
  checkDestination(target, replace);
  const parent = dirname(target);
  const dir = join(parent, `.${basename(target)}.partial-${process.pid}-${Date.now()}`);
  try {
    await mkdir(parent, { recursive: true });
    await mkdir(dir);
  } catch (error) {
    throw describeWriteError(parent, error);
  }
  return {
    dir,
    async commit() {
      checkDestination(target, replace);
      const previous = existsSync(target) ? `${dir}.previous` : null;
      try {
        if (previous) await rename(target, previous);
        await rename(dir, target);
      } catch (error) {
        if (previous && !existsSync(target)) await rename(previous, target).catch(() => {});
        throw describeWriteError(target, error);
      }
      if (previous) await rm(previous, { recursive: true, force: true });
    },
    async discard() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

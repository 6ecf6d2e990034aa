/**
 * A full disk is no fault of one file: an import that hits it must stop and say so, not record every later image
 * as "failed" with ENOSPC; a checkpoint that hits it must keep the previous one and say why it was not replaced.
 */
import { StudioError } from '../../../shared/contract';

/** ENOSPC and EDQUOT from the file system, SQLITE_FULL from the database. */
export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL';
}

/** "<where>: the disk is full (…); <consequence>" as a StudioError, so the user reads what happened and what was kept. */
export function diskFullError(where: string, error: unknown, consequence: string): StudioError {
  return new StudioError(`${where}: the disk is full (${(error as Error).message}); ${consequence}`);
}

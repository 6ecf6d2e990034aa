/**
 * A project's SQLite file checked before it is opened: SQLite would open a file that is not a database, or one
 * cut short, and fail only at some later query (or, for an empty file, silently start a new empty project).
 */
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { StudioError } from '../../../shared/contract';
import { diskFullError, isDiskFull } from './disk-full';

const headerBytes = 100;
const magic = Buffer.from('SQLite format 3\0', 'latin1');
const restoreHint = 'restore it from a backup, or open another project';

function readHeader(path: string): Buffer {
  const header = Buffer.alloc(headerBytes);
  const fd = openSync(path, 'r');
  try {
    return header.subarray(0, readSync(fd, header, 0, headerBytes, 0));
  } finally {
    closeSync(fd);
  }
}

/** The size the header records, or null where it does not vouch for it (its counters disagree). */
function recordedSize(header: Buffer): number | null {
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65_536 : rawPageSize;
  const pages = header.readUInt32BE(28);
  const valid = pages > 0 && header.readUInt32BE(24) === header.readUInt32BE(92);
  return valid ? pages * pageSize : null;
}

/** Throws a StudioError naming the file and what is wrong with it; returns when it looks like a whole database. */
export function checkDatabaseFile(path: string): void {
  const size = statSync(path).size;
  if (size === 0) throw new StudioError(`${path}: the project database is empty (0 bytes), so its images and labels are lost; ${restoreHint}`);
  const header = readHeader(path);
  if (header.length < headerBytes) {
    throw new StudioError(`${path}: the project database is truncated (${size} bytes, shorter than a SQLite header); ${restoreHint}`);
  }
  if (!header.subarray(0, magic.length).equals(magic)) {
    throw new StudioError(`${path}: not a SQLite database, so not a SimCLR Studio project file; ${restoreHint}`);
  }
  const expected = recordedSize(header);
  // Pages still in the write-ahead log are copied into the file on open, so only a file without one must be whole.
  const wal = `${path}-wal`;
  const hasWal = existsSync(wal) && statSync(wal).size > 0;
  if (expected !== null && size < expected && !hasWal) {
    throw new StudioError(`${path}: the project database is truncated (${size} of ${expected} bytes); ${restoreHint}`);
  }
}

/** SQLite's own complaint about a project file, as an error that names the file. */
export function damagedDatabaseError(path: string, error: unknown): Error {
  if (error instanceof StudioError) return error;
  const code = String((error as { code?: unknown }).code ?? '');
  const reason = (error as Error).message;
  // Opening writes too (the write-ahead log, interrupted runs): a full disk is the disk's fault, not the file's.
  if (isDiskFull(error)) return diskFullError(dirname(path), error, 'the project was not opened and nothing in it changed');
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StudioError(`${path}: the project database is damaged (${reason}); ${restoreHint}`);
  }
  return new StudioError(`${path}: cannot open the project database (${reason})`);
}

/** Reads a project's SQLite file as another process would, so a test checks what is on disk, not the store's view of it. */
import Database from 'better-sqlite3';
import type { ProjectStore } from '../../src/main/engine/store/project-store';

export function readProjectDatabase<T>(store: ProjectStore, read: (db: Database.Database) => T): T {
  const db = new Database(store.layout.database, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

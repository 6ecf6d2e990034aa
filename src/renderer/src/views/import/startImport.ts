import type { JobSnapshot } from '../../../../shared/contract';
import type { Workspace } from '../../state/Workspace.svelte.ts';
import { importPreferences } from './ImportPreferences.svelte.ts';

/** Imports one folder (again: a rescan), with the shared import choices. */
export function startImport(ws: Workspace, folder: string): Promise<JobSnapshot | null> {
  const { labelsFromSubfolders } = importPreferences;
  return ws.startJob('import', () => ws.client.importFolder({ folder, labelsFromSubfolders }));
}

/** Imports several folders and files together (dropped, or typed one per line), as one job. */
export function startImportOfPaths(ws: Workspace, paths: string[]): Promise<JobSnapshot | null> {
  const { labelsFromSubfolders } = importPreferences;
  return ws.startJob('import', () => ws.client.importPaths({ paths, labelsFromSubfolders }));
}

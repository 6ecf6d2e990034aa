import type { JobSnapshot } from '../../../../shared/contract';
import type { Workspace } from '../../state/Workspace.svelte.ts';

export function startImport(ws: Workspace, folder: string): Promise<JobSnapshot | null> {
  return ws.startJob(() => ws.client.importFolder({ folder }));
}

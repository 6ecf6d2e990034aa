import { createStudioClient, type StudioClient } from '../../../shared/client';
import { createHttpTransport } from './http';
import { createIpcTransport } from './ipc';

/** The desktop shell exposes a bridge; the same UI served over HTTP talks to the engine's server instead. */
export function connectStudio(): StudioClient {
  const bridge = window.studioBridge;
  return createStudioClient(bridge ? createIpcTransport(bridge) : createHttpTransport());
}

/** A dropped folder's path on disk; only the desktop shell can tell it. */
export function pathForDroppedFile(file: File): string | null {
  const bridge = window.studioBridge;
  if (!bridge) return null;
  try {
    return bridge.pathForFile(file) || null;
  } catch {
    return null;
  }
}

export type { StudioClient };

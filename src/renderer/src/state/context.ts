import { createContext } from 'svelte';
import type { Workspace } from './Workspace.svelte.ts';

/** The one Workspace of the window, set by App and read by every view. */
export const [getWorkspace, setWorkspace] = createContext<Workspace>();

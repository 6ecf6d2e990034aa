import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { CommandName, EventName } from '../shared/contract';
import { schemeImageUrl, type CallReply } from '../shared/wire';

/** The only thing the sandboxed renderer can reach: one call channel and one event channel. */
const bridge = {
  call: (command: CommandName, args: unknown): Promise<CallReply> => ipcRenderer.invoke('studio:call', command, args),
  listen(handler: (event: EventName, payload: unknown) => void): () => void {
    const listener = (_: IpcRendererEvent, event: EventName, payload: unknown) => handler(event, payload);
    ipcRenderer.on('studio:event', listener);
    return () => ipcRenderer.removeListener('studio:event', listener);
  },
  thumbnailUrl: (imageId: number) => schemeImageUrl('thumbnails', imageId),
  imageUrl: (imageId: number) => schemeImageUrl('images', imageId),
  /** A dropped File's path on disk (the sandbox hides it from the renderer otherwise). */
  pathForFile: (file: File): string => webUtils.getPathForFile(file),
};

contextBridge.exposeInMainWorld('studioBridge', bridge);

export type StudioBridge = typeof bridge;

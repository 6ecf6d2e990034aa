import type { StudioTransport } from '../../../shared/client';

export type StudioBridge = NonNullable<Window['studioBridge']>;

// Electron wraps errors thrown in the main process: "Error invoking remote method 'studio:call': StudioError: …".
const remotePrefix = /^Error invoking remote method '[^']*': (?:[A-Za-z]*Error: )?/;

/** The desktop shell's transport: the preload bridge already speaks the transport's two verbs. */
export function createIpcTransport(bridge: StudioBridge): StudioTransport {
  return {
    name: 'ipc',
    async call(command, args) {
      try {
        return await bridge.call(command, args);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(message.replace(remotePrefix, ''), { cause: error });
      }
    },
    listen: (handler) => bridge.listen(handler),
    thumbnailUrl: (imageId) => bridge.thumbnailUrl(imageId),
    imageUrl: (imageId) => bridge.imageUrl(imageId),
  };
}

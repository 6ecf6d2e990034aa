import type { StudioTransport } from '../../../shared/client';
import { valueOfReply } from '../../../shared/wire';

export type StudioBridge = NonNullable<Window['studioBridge']>;

/** The desktop shell's transport: the preload bridge already speaks the transport's two verbs. */
export function createIpcTransport(bridge: StudioBridge): StudioTransport {
  return {
    name: 'ipc',
    call: async (command, args) => valueOfReply(await bridge.call(command, args)),
    listen: (handler) => bridge.listen(handler),
    thumbnailUrl: (imageId) => bridge.thumbnailUrl(imageId),
    imageUrl: (imageId) => bridge.imageUrl(imageId),
  };
}

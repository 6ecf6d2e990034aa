/**
 * A typed client over any transport: the renderer and tests call `client.importFolder({...})` and never learn
 * whether Electron IPC or HTTP+WebSocket carries it.
 */
import type { CommandName, EventName, StudioApi, StudioEvents } from './contract';

/** What a transport must do: pass a call, pass events, and say where a thumbnail can be fetched. */
export interface StudioTransport {
  readonly name: 'ipc' | 'http' | 'in-process';
  call(command: CommandName, args: unknown): Promise<unknown>;
  listen(handler: (event: EventName, payload: unknown) => void): () => void;
  thumbnailUrl(imageId: number): string;
  /** The image itself at viewing size (at most previewSide px), for the large view. */
  imageUrl(imageId: number): string;
}

export type StudioClient = StudioApi & {
  readonly transportName: StudioTransport['name'];
  on<E extends EventName>(event: E, listener: (payload: StudioEvents[E]) => void): () => void;
  thumbnailUrl(imageId: number): string;
  imageUrl(imageId: number): string;
};

export function createStudioClient(transport: StudioTransport): StudioClient {
  const extras = {
    transportName: transport.name,
    on<E extends EventName>(event: E, listener: (payload: StudioEvents[E]) => void) {
      return transport.listen((name, payload) => {
        if (name === event) listener(payload as StudioEvents[E]);
      });
    },
    thumbnailUrl: (imageId: number) => transport.thumbnailUrl(imageId),
    imageUrl: (imageId: number) => transport.imageUrl(imageId),
  };
  return new Proxy(extras, {
    get(target, property) {
      if (typeof property !== 'string' || property in target) return Reflect.get(target, property);
      return (args: unknown) => transport.call(property as CommandName, args ?? {});
    },
  }) as unknown as StudioClient;
}

/** The large view's longest side: sharp enough to judge a label, small enough to send at once. */
export const previewSide = 1024;

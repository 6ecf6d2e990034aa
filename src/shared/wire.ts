/**
 * The wire both transports speak — HTTP + WebSocket for the browser, IPC + a custom URL scheme for the desktop
 * shell: the routes, where an image is found, what a call's reply looks like and how its error travels.
 * The servers (src/main/transports, the shell) and the clients (src/renderer/src/client) share this file and
 * nothing else of each other.
 */
import type { EventName } from './contract';

/** The two sizes an image is served at: its grid thumbnail, and the large view's preview. */
export type ImageKind = 'thumbnails' | 'images';

export const httpRoutes = {
  call: (command: string) => `/api/call/${command}`,
  events: '/api/events',
  image: (kind: ImageKind, imageId: number) => `/${kind}/${imageId}.webp`,
} as const;

/** The scheme the desktop shell serves images on: `studio-thumb://<kind>/<id>.webp`. */
export const imageScheme = 'studio-thumb';

/** The kind becomes the URL's host, so a standard scheme keeps the same path as HTTP. */
export const schemeImageUrl = (kind: ImageKind, imageId: number) => `${imageScheme}:/${httpRoutes.image(kind, imageId)}`;

/** A scheme URL's image address, as parseImageAddress reads it. */
export const schemeImageAddress = (url: URL) => `/${url.host}${url.pathname}`;

/**
 * The image an HTTP path or a scheme URL's host + path names; 'malformed' for a path under an image route that
 * names no id (a file path, a name); null for a path that is not an image route at all.
 */
export function parseImageAddress(kindAndPath: string): { kind: ImageKind; imageId: number } | 'malformed' | null {
  const route = /^\/(thumbnails|images)\//.exec(kindAndPath);
  if (!route) return null;
  const id = /^\/(?:thumbnails|images)\/(\d+)\.webp$/.exec(kindAndPath);
  return id ? { kind: route[1] as ImageKind, imageId: Number(id[1]) } : 'malformed';
}

/** A call's reply on either transport: the command's result, or the error's message and its HTTP-style status. */
export type CallReply = { status: 200; value: unknown } | { status: number; error: string };

/** An error a call replied with; `status` says whose fault it was (4xx the caller's, 500 the engine's). */
export class CallError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'CallError';
  }
}

/** The command's result, or its error thrown as a CallError. */
export function valueOfReply(reply: CallReply): unknown {
  if ('error' in reply) throw new CallError(reply.error, reply.status);
  return reply.value;
}

export interface EventMessage {
  event: EventName;
  payload: unknown;
}

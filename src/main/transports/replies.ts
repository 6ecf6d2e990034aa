/**
 * How the engine answers over any transport, so HTTP and the desktop shell's IPC and image scheme answer
 * alike. A failed call: the caller's mistakes (StudioError: bad arguments, an unknown id, a path that is no
 * folder) are 4xx with their message; anything else is the engine's fault, a 500.
 */
import { StudioError, UnknownCommandError, type CommandName } from '../../shared/contract';
import type { CallReply, ImageKind } from '../../shared/wire';
import type { Engine } from '../engine/engine';

/** An HTTP request the server refuses before any command runs (a body too big, a malformed path). */
export class RequestError extends StudioError {
  constructor(
    message: string,
    readonly status: 400 | 404 | 413,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

export function statusOfError(error: unknown): number {
  if (error instanceof RequestError) return error.status;
  if (error instanceof UnknownCommandError) return 404;
  if (error instanceof StudioError) return 400;
  return 500;
}

/** The body of an error reply: the message alone, never a stack trace. */
export function errorBody(error: unknown): { error: string } {
  return { error: error instanceof Error ? error.message : String(error) };
}

/** One call, answered: never throws. The engine checks the command and its arguments against the contract. */
export async function replyToCall(engine: Engine, command: string, args: unknown): Promise<CallReply> {
  try {
    return { status: 200, value: await engine.call(command as CommandName, args) };
  } catch (error) {
    return { status: statusOfError(error), ...errorBody(error) };
  }
}

/** An image as a transport sends it: a thumbnail file to stream, preview bytes, or why there is none. */
export type ImageReply = { status: 200; file: string } | { status: 200; webp: Buffer } | { status: 404; error: string };

export async function replyWithImage(engine: Engine, kind: ImageKind, imageId: number): Promise<ImageReply> {
  if (kind === 'thumbnails') {
    const file = engine.thumbnailPath(imageId);
    return file ? { status: 200, file } : { status: 404, error: 'No such thumbnail' };
  }
  const webp = await engine.imagePreview(imageId);
  return webp ? { status: 200, webp } : { status: 404, error: 'No such image, or its file is gone' };
}

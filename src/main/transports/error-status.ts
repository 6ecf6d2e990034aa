/**
 * How a failed call is answered, for every transport alike: the caller's mistakes (StudioError: bad arguments,
 * an unknown id, a path that is no folder) are 4xx with their message; anything else is the engine's fault, a 500.
 */
import { StudioError, UnknownCommandError } from '../../shared/contract';

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

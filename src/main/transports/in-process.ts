/** The API without a process boundary, for the CLI and tests: same checks, same events, no serialisation. */
import type { StudioTransport } from '../../shared/client';
import type { Engine } from '../engine/engine';

export function inProcessTransport(engine: Engine): StudioTransport {
  return {
    name: 'in-process',
    call: (command, args) => engine.call(command, args),
    listen: (handler) => engine.onEvent(handler),
    thumbnailUrl: (imageId) => engine.thumbnailPath(imageId) ?? '',
    // In-process callers read files directly; the preview is for screens only.
    imageUrl: (imageId) => engine.imagePath(imageId) ?? '',
  };
}

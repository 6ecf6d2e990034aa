import type { StudioBridge } from './index';

declare global {
  interface Window {
    /** Present only inside the desktop shell; the browser UI talks HTTP instead. */
    studioBridge?: StudioBridge;
  }
}

/**
 * The renderer's own origin in the desktop app. Electron's security checklist prefers a custom scheme to
 * file:// (which would grant the page every local file's origin): `studio-app://renderer/…` serves only the
 * built renderer's folder, and the shell trusts IPC and navigation from that origin alone.
 */
import { isAbsolute, join, relative, sep } from 'node:path';

export const appScheme = 'studio-app';
export const appOrigin = `${appScheme}://renderer`;
export const appEntryUrl = `${appOrigin}/index.html`;

/** The file of the renderer build an app URL names, or null for anything outside that folder or origin. */
export function rendererFileFor(url: string, rendererDir: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (`${parsed.protocol}//${parsed.host}` !== appOrigin) return null;
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  const file = join(rendererDir, path === '/' ? 'index.html' : path);
  const inside = relative(rendererDir, file);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside) || inside.split(sep).includes('..')) return null;
  return file;
}

/**
 * Whether a page address belongs to the app: its own scheme, or the dev server electron-vite runs under
 * `npm run dev` (unpackaged only). IPC from any other frame is refused and navigation away is blocked.
 */
export function isAppAddress(url: string | undefined, devServer?: string): boolean {
  if (!url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (`${parsed.protocol}//${parsed.host}` === appOrigin) return true;
  return devServer !== undefined && devServer !== '' && parsed.origin === new URL(devServer).origin;
}

/** The Content-Security-Policy the scheme sends with the page, matching the renderer's own meta tag. */
export const appContentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: studio-thumb:; connect-src 'self'";

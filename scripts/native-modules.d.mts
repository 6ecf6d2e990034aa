/** The native modules whose build is tied to one Node ABI. */
export const abiSpecificModules: string[];
/** Why the native modules do not load under this executable (Node, or Electron run as Node), or null if they do. */
export function nativeLoadProblem(executable: string): string | null;
/** Makes the native modules load under the runtime, rebuilding when they do not; resolves to an exit code. */
export function ensureNativeModulesFor(runtime: 'electron' | 'node'): Promise<number>;

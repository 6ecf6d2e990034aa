/** The electron package folder, or null when it is not installed. */
export function electronPackageDir(): string | null;
/** The Electron executable's absolute path, or null when it is missing or only half there. */
export function electronBinaryPath(): string | null;

/**
 * The TensorFlow.js release the backend adaptations (tfjs-wasm/, the frugal passes, the data-parallel
 * hand-off) were written against: they reach into its kernels, layer prototypes and wasm heap, which a
 * later release may change without notice. package.json pins it; backend.ts refuses any other at start.
 */
export const supportedTfjsVersion = '4.22.0';

/** Why the loaded tfjs packages are not the supported release, or null when they all are. */
export function tfjsVersionProblem(loaded: Record<string, string | undefined>): string | null {
  const wrong = Object.entries(loaded).filter(([, version]) => version !== supportedTfjsVersion);
  if (wrong.length === 0) return null;
  const found = wrong.map(([name, version]) => `${name} ${version ?? '(no version)'}`).join(', ');
  return (
    `SimCLR Studio needs TensorFlow.js ${supportedTfjsVersion} exactly (its training adaptations are written for that release), ` +
    `but found ${found}. Reinstall with \`npm ci\`, which installs the versions package-lock.json pins.`
  );
}

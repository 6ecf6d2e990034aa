// npm run rebuild:electron | rebuild:node: native modules built for the desktop shell's Electron, or back for
// the system Node (see native-modules.mjs). Only a mismatch triggers a rebuild.
import { ensureNativeModulesFor } from './native-modules.mjs';

const runtime = process.argv[2];
if (runtime !== 'electron' && runtime !== 'node') {
  console.error('usage: node scripts/rebuild-native.mjs electron|node');
  process.exit(2);
}
process.exitCode = await ensureNativeModulesFor(runtime);

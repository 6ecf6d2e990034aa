import { defineConfig } from '@playwright/test';
import { chromiumLaunchArgs, findChromium, noChromiumSentence } from './scripts/chromium.mjs';

// npm test's pretest step installs a Chromium where the machine allows; run alone, say once what is missing
// rather than failing every test on a missing executable.
const chromium = findChromium();
if (!chromium) throw new Error(noChromiumSentence);

/** End-to-end tests drive a found Chromium (CHROMIUM_PATH, Playwright's own, or the system's) against the browser UI. */
export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 240_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    viewport: { width: 1360, height: 860 },
    launchOptions: {
      executablePath: chromium.path,
      args: chromiumLaunchArgs,
    },
    trace: 'retain-on-failure',
  },
});

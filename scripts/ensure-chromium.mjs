// npm test's pretest step: a Chromium for the tests, installed the way this machine allows (see chromium.mjs).
import { ensureChromium } from './chromium.mjs';

process.exit(ensureChromium());

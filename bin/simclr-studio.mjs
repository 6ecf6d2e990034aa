#!/usr/bin/env node
// The CLI runs from the TypeScript sources through tsx, so it works straight after `npm install`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');

#!/usr/bin/env node
// The CLI runs the TypeScript sources directly through tsx: no build step between edit and run.
import { register } from 'tsx/esm/api';

register();
await import('../lib/cli/main.ts');

// Starts parse-worker.ts from the TypeScript sources (tests run them unbuilt): a worker does not inherit
// the main thread's loader, so it registers tsx itself. The built program starts parse-worker.js instead.
import { register } from 'tsx/esm/api';

register();
await import('./parse-worker.ts');

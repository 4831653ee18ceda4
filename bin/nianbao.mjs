#!/usr/bin/env node
// Runs the built program (dist/, made by `npm run build`; `npm ci` runs it as its prepare step).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('nianbao: not built: run `npm run build` (npm ci does it) in the nianbao folder\n');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));

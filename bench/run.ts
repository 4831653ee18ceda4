// Runs every benchmark under bench/ in turn, each in its own process, and lets each print its figures.
// `npm run bench -- crawl --delay-ms 2000`: names of benchmarks choose them; everything else goes to each as options.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts').sort();
const args = process.argv.slice(2);
const isName = (a: string) => !a.startsWith('-') && files.some((f) => f.includes(a));
const only = args.filter(isName);
const options = args.filter((a) => !isName(a));
for (const file of files) {
  if (only.length && !only.some((o) => file.includes(o))) continue;
  console.log(`\n== bench/${file}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', dir + file, ...options], { stdio: 'inherit' });
  if (r.status !== 0) console.log(`bench/${file} exited with ${r.status}`);
}

import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { hasSignature } from '../../extract/sniff.ts';
import { notText } from '../../extract/plaintext.ts';
import { tableRows, type ReportRecord } from '../../parse/index.ts';
import { UserError } from '../errors.ts';
import type { RegisterCommand } from './index.ts';

export const registerParse: RegisterCommand = (program: Command, setExit) => {
  program
    .command('parse')
    .description('parse report files (PDF, HTML, Word, text, ...) into codebook records')
    .argument('<files...>', 'report files')
    .option('--json', 'one JSON record per file per line')
    .option('--no-ocr', 'do not OCR scanned originals')
    .option('--time-limit <seconds>', 'longest one file may take (it then fails alone)', '300')
    .action(async (files: string[], opts: { json?: boolean; ocr: boolean; timeLimit: string }) => {
      const seconds = Number(opts.timeLimit);
      if (!(seconds > 0)) throw new UserError(`--time-limit must be a positive number of seconds, got "${opts.timeLimit}"`);
      // Files may come from anywhere: each is read in a worker with a time limit and a memory cap, so a
      // hostile one fails alone with one line instead of hanging or exhausting this process.
      const { ParsePool } = await import('../../pipeline/index.ts');
      const pool = new ParsePool(1, { ocr: opts.ocr, timeoutMs: seconds * 1000 });
      let failed = 0;
      let notReports = 0;
      try {
        for (const file of files) {
          try {
            const bytes = await readFile(file).catch((err: unknown) => { notReports++; throw err; });
            // Empty files and bytes of no known format are refused here, before a worker starts on them.
            const why = hasSignature(bytes) ? null : notText(bytes);
            if (why) {
              notReports++;
              throw new Error(why);
            }
            const record = await pool.parse(bytes, { fileName: file }, file);
            process.stdout.write(opts.json ? JSON.stringify({ file, ...record }) + '\n' : renderRecord(file, record));
          } catch (err) {
            failed++;
            process.stderr.write(`nianbao: ${file}: ${describe(err)}\n`);
          }
        }
      } finally {
        await pool.close();
      }
      // A path that is no report file at all (missing, a directory, empty, random bytes) is bad input: 2.
      // A report file that cannot be read (damaged, refused, too slow) is a failure of that file: 1.
      if (notReports) setExit(2);
      else if (failed) setExit(1);
    });
};

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'no such file';
  if (e?.code === 'EISDIR') return 'is a directory';
  if (e?.code === 'EACCES') return 'permission denied';
  return (e?.message ?? String(err)).split('\n')[0]!;
}

/** A readable view: each table as printed rows, then the failing checks and the warnings. */
export function renderRecord(file: string, r: ReportRecord): string {
  const out: string[] = [`${file}`, `  agency: ${r.agency ?? '?'}   year: ${r.year ?? '?'}`];
  for (const [key, t] of Object.entries(r.tables)) {
    out.push(`  table ${key}: ${t.found ? `version ${t.version}` : 'NOT FOUND'}`);
    if (!t.found || !t.version) continue;
    for (const row of tableRows(t.version, key as keyof ReportRecord['tables'])) {
      const cells = Object.values(t.rows[row.row] ?? {}).map((c) =>
        `${c.value ?? '·'}${c.inferred ? '*' : ''}${c.uncertain ? '?' : ''}`.padStart(6),
      );
      out.push(`    ${row.row.padEnd(26)}${cells.join('')}`);
    }
  }
  const failing = r.checks.filter((c) => !c.pass);
  out.push(`  checks: ${r.checks.length - failing.length} pass, ${failing.length} fail`);
  for (const c of failing) {
    out.push(`    FAIL ${c.table} ${c.rule} ${c.row ?? ''}${c.col ? '/' + c.col : ''}: ${c.left} ≠ ${c.right}${c.soft ? ' (soft)' : ''}`);
  }
  for (const w of r.warnings) out.push(`  note: ${w}`);
  out.push('  (· blank, * inferred, ? uncertain)', '');
  return out.join('\n') + '\n';
}

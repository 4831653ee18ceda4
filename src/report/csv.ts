/** RFC 4180 CSV, UTF-8, header line first; null is an empty field, booleans are true/false. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export type CsvValue = string | number | boolean | null | undefined;

export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: CsvValue[]): string {
  return values.map(csvField).join(',') + '\n';
}

export function toCsv(columns: string[], rows: Iterable<Record<string, CsvValue>>): string {
  let out = csvLine(columns);
  for (const r of rows) out += csvLine(columns.map((c) => r[c]));
  return out;
}

/** Streams rows to a file (cells.csv may hold millions of rows); returns the row count. */
export async function writeCsvFile(path: string, columns: string[], rows: Iterable<Record<string, CsvValue>>): Promise<number> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  let n = 0;
  let buf = csvLine(columns);
  for (const r of rows) {
    buf += csvLine(columns.map((c) => r[c]));
    n++;
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return n;
}

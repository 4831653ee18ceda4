/**
 * `nianbao export`: the dataset as CSV and Parquet, a Frictionless `datapackage.json` describing every
 * column, and the codebook. Opens in pandas, R or DuckDB with no cleaning.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeCsvFile } from './csv.ts';
import { agencyRows, allCellRows, cellRows, checkRows, reportRows, statusRows, TABLES, versionRows, type DatasetTable, type FieldType, type Row } from './dataset.ts';
import { computeStatus } from './status.ts';
import type { ReportFacts } from './types.ts';

const DUCKDB_TYPE: Record<FieldType, string> = {
  // TIMESTAMPTZ: Parquet marks the column as UTC (isAdjustedToUTC), so readers do not take it for local time.
  string: 'VARCHAR', integer: 'BIGINT', number: 'DOUBLE', boolean: 'BOOLEAN', date: 'DATE', datetime: 'TIMESTAMPTZ',
};

const SPEC_DIR = new URL('../../spec/', import.meta.url);

export interface ExportOptions {
  /** Report years to judge in status.csv; default: every year with a report, plus the last year now due. */
  statusYears?: number[];
  /** China date the status is judged on. */
  today: string;
  /** Skip Parquet (CSV only). */
  parquet?: boolean;
  /** After each step: steps done, steps in all, the file being written. */
  onProgress?: (done: number, total: number, step: string) => void;
}

export interface ExportResult {
  dir: string;
  files: { path: string; rows?: number; bytes: number }[];
}

/** Datetimes as UTC `...Z` (Parquet TIMESTAMP keeps no offset, so normalise before writing). */
function normaliseRow(def: DatasetTable, r: Row): Row {
  for (const fld of def.fields) {
    const v = r[fld.name];
    if (fld.type === 'datetime' && typeof v === 'string') {
      const d = new Date(v);
      if (!Number.isNaN(d.getTime())) r[fld.name] = d.toISOString();
    }
  }
  return r;
}

function* mapRows(def: DatasetTable, rows: Iterable<Row>): Generator<Row> {
  for (const r of rows) yield normaliseRow(def, r);
}

function sha256File(path: string): Promise<string> {
  return new Promise((res, rej) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (d) => h.update(d)).on('error', rej).on('end', () => res(h.digest('hex')));
  });
}

function frictionlessSchema(def: DatasetTable) {
  return {
    fields: def.fields.map((fl) => ({
      name: fl.name, type: fl.type, description: fl.description,
      ...(fl.type === 'boolean' ? { trueValues: ['true'], falseValues: ['false'] } : {}),
      ...(fl.enum || fl.required ? { constraints: { ...(fl.required ? { required: true } : {}), ...(fl.enum ? { enum: [...fl.enum] } : {}) } } : {}),
    })),
    ...(def.primaryKey.length ? { primaryKey: def.primaryKey } : {}),
    ...(def.foreignKeys ? { foreignKeys: def.foreignKeys } : {}),
    missingValues: [''],
  };
}

async function writeParquet(dir: string, defs: DatasetTable[]): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    for (const def of defs) {
      const csv = join(dir, `${def.name}.csv`).replace(/'/g, "''");
      const pq = join(dir, `${def.name}.parquet`).replace(/'/g, "''");
      const cols = def.fields.map((fl) => `'${fl.name}': '${DUCKDB_TYPE[fl.type]}'`).join(', ');
      // Explicit column types: the Parquet file types match datapackage.json, not DuckDB's guesses.
      await con.run(
        `COPY (SELECT * FROM read_csv('${csv}', header = true, delim = ',', quote = '"', escape = '"', nullstr = '', ` +
        `columns = {${cols}}, timestampformat = '%Y-%m-%dT%H:%M:%S.%gZ')) TO '${pq}' (FORMAT parquet, COMPRESSION zstd)`,
      );
    }
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

export async function writeExport(outDir: string, facts: ReportFacts, opts: ExportOptions): Promise<ExportResult> {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  // Write into a fresh temporary folder, then move files in: a failed export leaves no half-written set.
  const tmp = join(dir, `.export-${process.pid}-${Date.now()}`);
  mkdirSync(tmp);
  try {
    const dueYear = Number(opts.today.slice(0, 4)) - 1;
    const years = opts.statusYears ?? [...new Set([...facts.versions.map((v) => v.year), dueYear])].sort();
    const sources: Record<string, () => Iterable<Row>> = {
      agencies: () => agencyRows(facts),
      reports: () => reportRows(facts),
      versions: () => versionRows(facts),
      cells: () => cellRows(facts),
      cells_all: () => allCellRows(facts),
      checks: () => checkRows(facts),
      status: () => years.flatMap((y) => statusRows(computeStatus(facts, y, opts.today).rows, opts.today)),
    };
    const counts: Record<string, number> = {};
    const steps = TABLES.length + (opts.parquet !== false ? 1 : 0);
    let done = 0;
    for (const def of TABLES) {
      opts.onProgress?.(done, steps, `${def.name}.csv`);
      counts[def.name] = await writeCsvFile(join(tmp, `${def.name}.csv`), def.fields.map((x) => x.name), mapRows(def, sources[def.name]!()));
      done++;
    }
    if (opts.parquet !== false) {
      opts.onProgress?.(done, steps, 'parquet');
      await writeParquet(tmp, TABLES);
      done++;
    }
    opts.onProgress?.(done, steps, 'datapackage.json');
    copyFileSync(new URL('codebook.json', SPEC_DIR), join(tmp, 'codebook.json'));
    copyFileSync(new URL('codebook.md', SPEC_DIR), join(tmp, 'codebook.md'));

    const resources: object[] = [];
    for (const def of TABLES) {
      const csvPath = join(tmp, `${def.name}.csv`);
      resources.push({
        name: def.name, title: def.title, description: def.description, path: `${def.name}.csv`,
        profile: 'tabular-data-resource', format: 'csv', mediatype: 'text/csv', encoding: 'utf-8',
        dialect: { delimiter: ',', quoteChar: '"', doubleQuote: true, header: true },
        bytes: statSync(csvPath).size, hash: `sha256:${await sha256File(csvPath)}`,
        schema: frictionlessSchema(def),
      });
      if (opts.parquet !== false) {
        const pq = join(tmp, `${def.name}.parquet`);
        resources.push({
          name: `${def.name}-parquet`, title: `${def.title} (Parquet)`, description: `The same rows as ${def.name}.csv, typed.`,
          path: `${def.name}.parquet`, format: 'parquet', mediatype: 'application/vnd.apache.parquet',
          bytes: statSync(pq).size, hash: `sha256:${await sha256File(pq)}`, schema: frictionlessSchema(def),
        });
      }
    }
    for (const [name, mediatype] of [['codebook.json', 'application/json'], ['codebook.md', 'text/markdown']] as const) {
      resources.push({
        name: name.replace('.', '-'), path: name, format: name.split('.')[1], mediatype,
        description: 'Table, row and column keys with their printed labels, for both table formats (2019, 2021)',
        bytes: statSync(join(tmp, name)).size, hash: `sha256:${await sha256File(join(tmp, name))}`,
      });
    }
    const pkg = {
      profile: 'tabular-data-package',
      name: 'nianbao',
      title: '政府信息公开工作年度报告: statistical tables, publication status and provenance',
      description:
        'Annual government-information-disclosure reports collected by nianbao: every table cell with its printed text, ' +
        'every accounting check, each agency\'s publication status with evidence. Keys: codebook.json. ' +
        'An empty field is a missing value (never a made-up 0).',
      created: new Date().toISOString(),
      version: opts.today,
      licenses: [{ name: 'other-pd', title: 'Official government statistics; see the original reports' }],
      sources: [{ title: 'Government portals (政府信息公开专栏), archived byte for byte; see reports.url and reports.sha256' }],
      resources,
    };
    writeFileSync(join(tmp, 'datapackage.json'), JSON.stringify(pkg, null, 2) + '\n');

    const files: ExportResult['files'] = [];
    for (const def of TABLES) {
      for (const ext of opts.parquet !== false ? ['csv', 'parquet'] : ['csv']) {
        renameSync(join(tmp, `${def.name}.${ext}`), join(dir, `${def.name}.${ext}`));
        files.push({ path: join(dir, `${def.name}.${ext}`), rows: counts[def.name], bytes: statSync(join(dir, `${def.name}.${ext}`)).size });
      }
    }
    for (const name of ['codebook.json', 'codebook.md', 'datapackage.json']) {
      renameSync(join(tmp, name), join(dir, name));
      files.push({ path: join(dir, name), bytes: statSync(join(dir, name)).size });
    }
    return { dir, files };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

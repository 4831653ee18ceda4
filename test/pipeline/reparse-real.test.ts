import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, reparseArchive, type Storage } from '../../src/pipeline/index.ts';
import { EXPECTED, makeFixtures, type Fixtures } from '../fixtures/make-fixtures.ts';

// The same report as agencies publish it: an HTML page and its DOCX, PDF and DOC attachments, all made by
// LibreOffice from numbers chosen by hand (test/fixtures/make-fixtures.ts). Built in a private directory so
// this file does not race the extract tests over the shared fixture folder.
let dir: string;
let fx: Fixtures;
let storage: Storage;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nianbao-reparse-real-'));
  fx = await makeFixtures(join(dir, 'fixtures'));
  storage = await openStorage(join(dir, 'storage'));
  for (const [kind, path] of [['html', fx.html], ['docx', fx.docx], ['pdf', fx.pdf], ['doc', fx.doc]] as const) {
    await storage.recordVersion({
      agencyName: EXPECTED.agency, year: EXPECTED.year, sourceUrl: `http://127.0.0.1/ndbg/${basename(path)}`,
      bytes: readFileSync(path), fileName: basename(path), contentType: kind === 'html' ? 'text/html; charset=utf-8' : null,
    });
  }
}, 180_000);

afterAll(async () => {
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reparse over real originals (HTML, DOCX, PDF, DOC)', () => {
  it('extracts and parses every version from the archive alone, with the same numbers', async () => {
    const r = await reparseArchive(storage, { ocr: false });
    expect(r.failed).toEqual([]);
    expect(r.parsed).toBe(4);
    const [report] = await storage.store.reports.list();
    expect(await storage.store.reports.versions(report!.report_id)).toHaveLength(4);
    const latest = await storage.store.records.latest({ reportId: report!.report_id });
    expect(latest).toHaveLength(4);
    for (const rec of latest) {
      const cells = await storage.store.records.cells(rec.record_id);
      const v = (t: string, row: string, col: string) => cells.find((c) => c.table_key === t && c.row_key === row && c.col_key === col)?.value;
      const method = JSON.parse(rec.json!).extraction.method;
      expect(rec.year, method).toBe(EXPECTED.year);
      expect(v('requests', 'new', 'total'), method).toBe(EXPECTED.requests.new![6]);
      expect(v('requests', 'carried_forward', 'total'), method).toBe(EXPECTED.requests.carried_forward![6]);
      expect(v('requests', 'unable_not_held', 'natural_person'), method).toBe(EXPECTED.requests.unable_not_held![0]);
      expect(v('active', 'fees', 'amount') ?? cells.find((c) => c.table_key === 'active' && c.row_key === 'fees')?.value, method).toBe(EXPECTED.active.fees);
    }
    const methods = latest.map((x) => JSON.parse(x.json!).extraction.method).sort();
    expect(methods).toHaveLength(4);
  }, 180_000);
});

/**
 * Issue 14: a scanned report. Three pages of 淮安 2024 rendered at 150 dpi, skewed 0.3-0.6°, with JPEG
 * noise (test/fixtures/scans/make-scan.sh), wrapped in an image-only PDF, read by OCR and scored cell by
 * cell against the values a person read from the PDF (test/fixtures/renderings/labels.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractOriginal } from '../../src/extract/index.ts';
import { parseDocument } from '../../src/parse/index.ts';
import { imagePdf } from '../fixtures/make-fixtures.ts';
import { HUAIAN_2024 } from '../fixtures/renderings/labels.ts';
import { FIXTURES } from '../helpers/fixtures.ts';
import { pct, score } from '../helpers/score.ts';

function jpegSize(jpeg: Buffer): { width: number; height: number; components: number } {
  for (let i = 2; i < jpeg.length; ) {
    const marker = jpeg[i + 1]!;
    if (marker >= 0xc0 && marker <= 0xc3) return { height: jpeg.readUInt16BE(i + 5), width: jpeg.readUInt16BE(i + 7), components: jpeg[i + 9]! };
    i += 2 + jpeg.readUInt16BE(i + 2);
  }
  throw new Error('JPEG without a frame header');
}

describe('a skewed 150-dpi JPEG scan of a real report', () => {
  it('≥ 98% of the 200 cells read right, and every wrong one marked uncertain', async () => {
    const pages = [3, 4, 5].map((p) => {
      const jpeg = readFileSync(`${FIXTURES}scans/huaian-2024-p${p}-150dpi.jpg`);
      return { jpeg, ...jpegSize(jpeg), dpi: 150 };
    });
    const doc = await extractOriginal(imagePdf(pages));
    expect([doc.method, doc.ocr]).toEqual(['ocr', true]);
    const r = parseDocument(doc);
    const s = score(r, { active: HUAIAN_2024.active, requests: HUAIAN_2024.requests, appeals: HUAIAN_2024.appeals });
    console.log(`scan: cells right ${pct(s)}, wrong but marked ${s.marked}, wrong and unmarked ${s.wrongCertain}: ${s.misses.join('; ')}`);
    expect(s.right / s.cells).toBeGreaterThanOrEqual(0.98);
    expect(s.wrongCertain).toBe(0);
    // Misreads are flagged, never rewritten: the checks still fail where a read value breaks an identity.
    const flagged = r.warnings.filter((w) => w.includes('fails the identities'));
    expect(flagged.length).toBeGreaterThanOrEqual(s.marked);
  }, 300_000);
});

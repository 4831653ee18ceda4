/**
 * Limits on what an original from the open web may make the extractor do, as data. Every original is
 * archived whatever it holds; these only decide when extraction refuses it with one clear error instead
 * of exhausting memory, disk or time. Generous for real reports (a 300-page scanned A4 report, a DOCX full
 * of photos), far below what a crafted file asks for.
 */
export const EXTRACT_LIMITS = {
  /** Bytes all members of a ZIP-based original (DOCX, XLSX, OFD) may inflate to, together. */
  zipInflatedBytes: 256 * 1024 * 1024,
  /** Members in one ZIP (a DOCX has tens; an XLSX with many sheets a few hundred). */
  zipEntries: 20_000,
  /** Pixels of one image or one rendered page handed to OCR (A4 at 600 dpi is 35 million). */
  ocrPixels: 120_000_000,
  /** Longest side of an image or rendered page, in pixels. */
  ocrSide: 40_000,
  /** Cells in the used range (and in merges) of one spreadsheet sheet; a report's tables have a few hundred. */
  sheetCells: 10_000_000,
  /** Pages of one PDF that OCR will render. */
  ocrPages: 1_000,
} as const;

/** An original extraction refuses on purpose (hostile, damaged or over a limit), as opposed to a bug. */
export class RefusedOriginal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedOriginal';
  }
}

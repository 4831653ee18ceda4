import { readFile } from 'node:fs/promises';
import type { ExtractedDocument } from './document.ts';
import { documentFromText } from './text.ts';
import { documentFromHtml } from './html.ts';
import { documentFromPdfText } from './pdf.ts';
import { OCR_DPI, ocrImage, ocrPdf } from './ocr.ts';
import { checkImage, checkPixels } from './imagesize.ts';
import { EXTRACT_LIMITS, RefusedOriginal } from './limits.ts';
import { checkZip } from './zipguard.ts';
import { documentFromDoc, documentFromDocx, documentFromSheet, documentViaLibreOffice } from './office.ts';
import { documentFromOfd } from './ofd.ts';
import { sniffOriginal, type OriginalKind } from './sniff.ts';
import { textOfBytes } from './plaintext.ts';

export type { Block, ExtractedDocument, ExtractionMethod, DocumentMeta } from './document.ts';
export { documentFromText } from './text.ts';
export { decodeHtml, findReportBody, documentFromHtml, pageMeta, tableGrid, type DecodedHtml } from './html.ts';
export { hasSignature, isTextual, sniffBodyKind, sniffOriginal, type BodyKind, type OriginalKind } from './sniff.ts';
export { chooseCharset, decodeBody, decodeText, type CharsetChoice } from './charset.ts';
export { notText } from './plaintext.ts';
export { ocrPdf, ocrImage } from './ocr.ts';
export { EXTRACT_LIMITS, RefusedOriginal } from './limits.ts';
export { checkZip, unsafeMemberName } from './zipguard.ts';
export { imageDimensions } from './imagesize.ts';

/** LibreOffice import filter per OLE kind: a DOC must import as Word or fail, never as plain text. */
const WORD_FILTER: Partial<Record<OriginalKind, string>> = { doc: 'MS Word 97' };

export interface OriginalHints {
  fileName?: string;
  contentType?: string;
  url?: string;
}

export interface ExtractOptions {
  /** Allow OCR when a PDF has no usable text layer, and for images (default true). */
  ocr?: boolean;
}

/** Turns the bytes of any original into the neutral document, choosing the reader by content. */
export async function extractOriginal(bytes: Buffer, hints: OriginalHints = {}, opts: ExtractOptions = {}): Promise<ExtractedDocument> {
  const kind = await sniffOriginal(bytes);
  // ZIP-based formats are checked (member names, real inflated size) before any library unpacks them.
  if (kind === 'docx' || kind === 'xlsx' || kind === 'ofd' || kind === 'zip') await checkZip(bytes);
  const doc = await extractKind(kind, bytes, hints, opts.ocr ?? true);
  if (hints.url && !doc.meta.url) doc.meta.url = hints.url;
  return doc;
}

async function extractKind(kind: OriginalKind, bytes: Buffer, hints: OriginalHints, allowOcr: boolean): Promise<ExtractedDocument> {
  switch (kind) {
    case 'pdf': {
      const { doc, verdict, numPages, largestPage } = await documentFromPdfText(bytes);
      if (verdict.usable || !allowOcr) return doc;
      // Refuse before pdftoppm renders: a page of 5 m × 5 m at 300 dpi is a 3-gigapixel bitmap.
      if (numPages > EXTRACT_LIMITS.ocrPages) throw new RefusedOriginal(`PDF without a text layer has ${numPages} pages, over the OCR limit of ${EXTRACT_LIMITS.ocrPages}`);
      checkPixels(Math.ceil((largestPage.width / 72) * OCR_DPI), Math.ceil((largestPage.height / 72) * OCR_DPI), `PDF page ${largestPage.page} at ${OCR_DPI} dpi`);
      const ocr = await ocrPdf(bytes);
      return { ...ocr, meta: { ...doc.meta, ...ocr.meta }, warnings: [verdict.reason ?? 'no text layer', ...ocr.warnings] };
    }
    case 'html':
      return documentFromHtml(bytes, { contentType: hints.contentType, url: hints.url });
    case 'docx':
      return documentFromDocx(bytes);
    case 'doc':
    case 'ole': {
      try {
        const doc = await documentFromDoc(bytes);
        // word-extractor loses row ends in some tables (rows run together on one line): convert instead.
        const runTogether = doc.blocks.some((b) => b.kind === 'table' && b.rows.some((r) => r.length > 16));
        const empty = !doc.blocks.some((b) => (b.kind === 'text' ? b.text.trim() : b.rows.length));
        if (!runTogether && !empty) return doc;
        try {
          return await documentViaLibreOffice(bytes, 'doc', WORD_FILTER[kind]);
        } catch (err) {
          if (empty) throw err;
          return { ...doc, quality: 0.5, warnings: [...doc.warnings, `table rows run together and LibreOffice failed: ${(err as Error).message}`] };
        }
      } catch {
        /* word-extractor cannot read it: LibreOffice below */
      }
      return documentViaLibreOffice(bytes, 'doc', WORD_FILTER[kind]);
    }
    case 'xls':
    case 'xlsx':
      return documentFromSheet(bytes);
    case 'ofd':
      return documentFromOfd(bytes);
    case 'rtf':
      return documentViaLibreOffice(bytes, 'rtf');
    case 'image':
      if (!allowOcr) throw new Error('the original is an image and OCR is switched off');
      checkImage(bytes);
      return ocrImage(bytes);
    case 'zip':
      throw new Error('the original is a ZIP archive that holds no DOCX, XLSX or OFD document');
    case 'archive':
      throw new Error('the original is a RAR or gzip archive; unpack it and parse what is inside');
    case 'text': {
      const text = textOfBytes(bytes, hints.contentType);
      const markdown = /\.md$/i.test(hints.fileName ?? '') || /^\s*\|.*\|\s*$/m.test(text);
      return documentFromText(text, markdown ? 'markdown' : 'text');
    }
  }
}

export async function extractFile(path: string, opts: ExtractOptions = {}): Promise<ExtractedDocument> {
  return extractOriginal(await readFile(path), { fileName: path }, opts);
}

import { readFile } from 'node:fs/promises';
import type { ExtractedDocument } from './document.ts';
import { documentFromText } from './text.ts';
import { documentFromHtml } from './html.ts';
import { documentFromPdfText } from './pdf.ts';
import { ocrImage, ocrPdf } from './ocr.ts';
import { documentFromDoc, documentFromDocx, documentFromSheet, documentViaLibreOffice } from './office.ts';
import { documentFromOfd } from './ofd.ts';
import { sniffOriginal, type OriginalKind } from './sniff.ts';

export type { Block, ExtractedDocument, ExtractionMethod, DocumentMeta } from './document.ts';
export { documentFromText } from './text.ts';
export { decodeHtml, findReportBody, documentFromHtml, pageMeta, tableGrid, type DecodedHtml } from './html.ts';
export { sniffOriginal, type OriginalKind } from './sniff.ts';
export { ocrPdf, ocrImage } from './ocr.ts';

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
  const doc = await extractKind(kind, bytes, hints, opts.ocr ?? true);
  if (hints.url && !doc.meta.url) doc.meta.url = hints.url;
  return doc;
}

async function extractKind(kind: OriginalKind, bytes: Buffer, hints: OriginalHints, allowOcr: boolean): Promise<ExtractedDocument> {
  switch (kind) {
    case 'pdf': {
      const { doc, verdict } = await documentFromPdfText(bytes);
      if (verdict.usable || !allowOcr) return doc;
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
          return await documentViaLibreOffice(bytes, 'doc');
        } catch (err) {
          if (empty) throw err;
          return { ...doc, quality: 0.5, warnings: [...doc.warnings, `table rows run together and LibreOffice failed: ${(err as Error).message}`] };
        }
      } catch {
        /* word-extractor cannot read it: LibreOffice below */
      }
      return documentViaLibreOffice(bytes, 'doc');
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
      return ocrImage(bytes);
    case 'zip':
      throw new Error('the original is a ZIP archive that holds no DOCX, XLSX or OFD document');
    case 'text': {
      const text = bytes.toString('utf8');
      const markdown = /\.md$/i.test(hints.fileName ?? '') || /^\s*\|.*\|\s*$/m.test(text);
      return documentFromText(text, markdown ? 'markdown' : 'text');
    }
  }
}

export async function extractFile(path: string, opts: ExtractOptions = {}): Promise<ExtractedDocument> {
  return extractOriginal(await readFile(path), { fileName: path }, opts);
}

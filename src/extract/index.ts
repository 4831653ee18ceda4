import { readFile } from 'node:fs/promises';
import type { ExtractedDocument } from './document.ts';
import { documentFromText } from './text.ts';

export type { Block, ExtractedDocument, ExtractionMethod, DocumentMeta } from './document.ts';
export { documentFromText } from './text.ts';

export interface OriginalHints {
  fileName?: string;
  contentType?: string;
  url?: string;
}

/** Turns the bytes of any original into the neutral document, choosing the reader by content. */
export async function extractOriginal(bytes: Buffer, hints: OriginalHints = {}): Promise<ExtractedDocument> {
  const text = bytes.toString('utf8');
  const markdown = /\.md$/i.test(hints.fileName ?? '') || /^\s*\|.*\|\s*$/m.test(text);
  return documentFromText(text, markdown ? 'markdown' : 'text');
}

export async function extractFile(path: string): Promise<ExtractedDocument> {
  return extractOriginal(await readFile(path), { fileName: path });
}

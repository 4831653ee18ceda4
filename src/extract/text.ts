import type { Block, ExtractedDocument } from './document.ts';

/**
 * Plain text and markdown: tab-separated lines keep their empty fields; markdown tables become grids.
 * Each run of markdown table rows becomes one table block; every other line is a text block.
 */
export function documentFromText(text: string, method: 'text' | 'markdown' = 'text'): ExtractedDocument {
  const blocks: Block[] = [];
  let table: string[][] | null = null;
  const flush = () => {
    if (table && table.length) blocks.push({ kind: 'table', rows: table });
    table = null;
  };
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    const line = raw.replace(/\u00A0/g, ' ');
    if (isMarkdownRow(line)) {
      if (isMarkdownRule(line)) continue;
      (table ??= []).push(markdownCells(line));
      continue;
    }
    flush();
    blocks.push({ kind: 'text', text: line });
  }
  flush();
  return { blocks, meta: {}, method, quality: 1, warnings: [], ocr: false };
}

function isMarkdownRow(line: string): boolean {
  const t = line.trim();
  return t.startsWith('|') && t.length > 1 && t.indexOf('|', 1) > 0;
}

function isMarkdownRule(line: string): boolean {
  return /^\s*\|?(\s*:?-{2,}:?\s*\|)+\s*:?-*:?\s*$/.test(line);
}

function markdownCells(line: string): string[] {
  const t = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return t.split(/(?<!\\)\|/).map((c) => c.replace(/<br\s*\/?>/gi, ' ').trim());
}

/**
 * The neutral document: what every original (HTML, PDF, Word, spreadsheet, scan, plain text) becomes
 * before the shared parser reads it. Tables are grids of cell strings with rowspan/colspan expanded,
 * so a merged label appears in every row it covers; `spans` says which slots are one cell.
 */
export type Block =
  | { kind: 'text'; text: string; page?: number }
  | { kind: 'table'; rows: string[][]; spans?: Span[][]; page?: number };

/**
 * One cell of a grid as the original drew it (HTML rowspan/colspan, Word and sheet merges, a PDF cell
 * over several rulings): spans[r][c] is the same object for every slot the cell covers, so a reader
 * can tell a merged cell from neighbours that happen to print the same text.
 */
export interface Span {
  /** Top-left slot of the cell in the grid as built (rows dropped later keep their numbers). */
  row: number;
  col: number;
  rows: number;
  cols: number;
}

/** How the document was obtained from its original. */
export type ExtractionMethod =
  | 'text'
  | 'markdown'
  | 'html-dom'
  | 'pdf-text'
  | 'pdf-layout'
  | 'ocr'
  | 'docx'
  | 'doc'
  | 'xls'
  | 'ofd'
  | 'libreoffice';

export interface DocumentMeta {
  /** Title of the page or document as published. */
  title?: string;
  /** Publication date the page or file shows, ISO yyyy-mm-dd. */
  publishedAt?: string;
  /** Publishing agency the page declares (ContentSource / 发布机构 meta). */
  publisher?: string;
  url?: string;
}

export interface ExtractedDocument {
  blocks: Block[];
  meta: DocumentMeta;
  method: ExtractionMethod;
  /** 0..1, how much the extraction can be trusted (1: born-digital text; lower for OCR or garbage). */
  quality: number;
  warnings: string[];
  /** True when any text came from OCR, so every value read from it is marked. */
  ocr: boolean;
}

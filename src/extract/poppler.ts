import { execFile } from 'node:child_process';
import type { PlacedText } from './layout.ts';
import { toolError } from './office.ts';

/**
 * Words and their boxes from poppler's `pdftotext -bbox` (C++, several times faster than pdf.js
 * on CJK text, and it reads the cMaps Debian's poppler-data ships). Coordinates are top-down points from
 * the media box's top-left corner.
 */
export interface PopplerPage {
  width: number;
  height: number;
  words: PlacedText[];
}

const TIMEOUT_MS = 120_000;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescape = (s: string) => s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e]!);

export function popplerWords(bytes: Buffer): Promise<PopplerPage[]> {
  return new Promise((resolve, reject) => {
    const child = execFile('pdftotext', ['-bbox', '-enc', 'UTF-8', '-q', '-', '-'],
      { maxBuffer: 256 * 1024 * 1024, timeout: TIMEOUT_MS, encoding: 'utf8' },
      (err, stdout) => (err ? reject(toolError('pdftotext', err, TIMEOUT_MS)) : resolve(parseBboxLayout(stdout))));
    child.stdin?.on('error', () => { /* the tool stopped reading (a broken file): its exit status says why */ });
    child.stdin?.end(bytes);
  });
}

export function parseBboxLayout(xml: string): PopplerPage[] {
  const pages: PopplerPage[] = [];
  const pageRe = /<page width="([\d.]+)" height="([\d.]+)">|<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)<\/word>/g;
  for (let m = pageRe.exec(xml); m; m = pageRe.exec(xml)) {
    if (m[1]) {
      pages.push({ width: Number(m[1]), height: Number(m[2]), words: [] });
      continue;
    }
    const page = pages.at(-1);
    if (!page) continue;
    const [x0, top, x1, bottom] = [Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
    const text = unescape(m[7]!);
    if (!text.trim()) continue;
    page.words.push({ text, x0, x1, top, bottom, size: Math.max(bottom - top, 1) });
  }
  return pages;
}

import JSZip from 'jszip';
import { XMLParser } from 'fast-xml-parser';
import path from 'node:path/posix';
import type { ExtractedDocument } from './document.ts';
import { layoutPage, type PlacedText } from './layout.ts';

/**
 * OFD (GB/T 33190) is a ZIP of XML: OFD.xml → Document.xml → pages → TextObject/TextCode with positions
 * in millimetres. Text objects become placed text and go through the same line layout as PDF pages
 * (no ruling lines are read, so tables come out as tab-separated lines).
 */
const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  isArray: (name) => ['DocBody', 'Page', 'Layer', 'TextObject', 'TextCode', 'PageBlock', 'CompositeObject'].includes(name),
});

type Node = Record<string, unknown>;
const arr = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : v ? [v as Node] : []);

export async function documentFromOfd(bytes: Buffer): Promise<ExtractedDocument> {
  const zip = await JSZip.loadAsync(bytes);
  const read = async (p: string): Promise<Node> => {
    const f = zip.file(p.replace(/^\//, ''));
    if (!f) throw new Error(`OFD member missing: ${p}`);
    return xml.parse(await f.async('string')) as Node;
  };
  const blocks: ExtractedDocument['blocks'] = [];
  let pageNo = 0;
  const root = (await read('OFD.xml')).OFD as Node;
  for (const body of arr(root.DocBody)) {
    const docRoot = String(body.DocRoot);
    const doc = (await read(docRoot)).Document as Node;
    const base = path.dirname(docRoot.replace(/^\//, ''));
    for (const pg of arr((doc.Pages as Node)?.Page)) {
      pageNo++;
      // "Page" is a list inside Document.xml, so the parser makes a page file's root element a list too.
      const page = arr((await read(path.join(base, String(pg['@BaseLoc'])))).Page)[0] ?? {};
      const items: PlacedText[] = [];
      const visit = (container: Node) => {
        for (const to of arr(container.TextObject)) {
          const [bx = 0, by = 0] = String(to['@Boundary'] ?? '0 0').split(/\s+/).map(Number);
          const size = Number(to['@Size'] ?? 3.5);
          for (const tc of arr(to.TextCode)) {
            const text = typeof tc === 'object' ? String(tc['#text'] ?? '') : String(tc);
            const x = bx + Number(tc['@X'] ?? 0);
            const y = by + Number(tc['@Y'] ?? 0);
            // Without glyph widths, estimate: CJK is one em, Latin half of one.
            const width = [...text].reduce((w, ch) => w + (/[\u2e80-\uffef]/.test(ch) ? size : size * 0.5), 0);
            items.push({ text, x0: x, x1: x + width, top: y - size * 0.85, bottom: y + size * 0.15, size });
          }
        }
        for (const b of [...arr(container.PageBlock), ...arr(container.CompositeObject)]) visit(b);
      };
      for (const layer of arr((page.Content as Node)?.Layer)) visit(layer);
      blocks.push(...layoutPage(items, [], pageNo));
    }
  }
  return { blocks, meta: {}, method: 'ofd', quality: 0.8, warnings: ['OFD read without ruling lines: tables are tab-separated lines'], ocr: false };
}

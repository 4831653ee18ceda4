// Parser throughput on one core: a corpus of generated reports in every shape the tests use.
import { documentFromText } from '../src/extract/index.ts';
import { parseDocument } from '../src/parse/index.ts';
import { renderReport, SYNTHETIC, type RenderStyle } from '../test/helpers/synthetic.ts';

const STYLES: RenderStyle[] = [
  { sep: 'tab', version: '2021' },
  { sep: 'spaces', version: '2021' },
  { sep: 'markdown', version: '2021' },
  { sep: 'tab', version: '2021', splitLabels: true },
  { sep: 'spaces', version: '2021', verticalGroup: true, pageBreak: true },
  { sep: 'tab', version: '2019' },
  { sep: 'tab', version: '2021', fullWidth: true, runTogetherAppeals: true },
];

function scaled(k: number): typeof SYNTHETIC {
  const scale = (t: Record<string, (number | null)[]>) =>
    Object.fromEntries(Object.entries(t).map(([r, v]) => [r, v.map((x) => (x === null ? null : Math.round(x * k * 100) / 100))]));
  return { active: scale(SYNTHETIC.active), requests: scale(SYNTHETIC.requests), appeals: scale(SYNTHETIC.appeals) };
}

const corpus: { text: string; markdown: boolean }[] = [];
for (let i = 0; i < 350; i++) {
  const style = STYLES[i % STYLES.length]!;
  corpus.push({ text: renderReport(scaled(1 + (i % 37)), style, `第${i}号局`), markdown: style.sep === 'markdown' });
}
for (const c of corpus.slice(0, 20)) parseDocument(documentFromText(c.text, c.markdown ? 'markdown' : 'text')); // warm up

const started = performance.now();
let cells = 0;
for (const c of corpus) {
  const r = parseDocument(documentFromText(c.text, c.markdown ? 'markdown' : 'text'));
  cells += Object.values(r.tables).reduce((n, t) => n + Object.values(t.rows).reduce((m, row) => m + Object.keys(row).length, 0), 0);
}
const seconds = (performance.now() - started) / 1000;
console.log(`parse: ${corpus.length} generated reports (${STYLES.length} shapes), ${cells} cells`);
console.log(`parse: ${(corpus.length / seconds).toFixed(1)} reports/s on one core (${((seconds * 1000) / corpus.length).toFixed(2)} ms each)`);

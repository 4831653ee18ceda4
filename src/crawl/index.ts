/** The crawl stage's public surface. */
export { crawl, columnRoot, summarize, type ArrivedOriginal, type AgencySummary, type CrawlItem, type CrawlOptions, type CrawlResult, type ReportIdentity } from './crawler.ts';
export { readListPage, type ListPage, type PageLink, type ListContinuation } from './listing.ts';
export { readReportPage, pageVerdict } from './report.ts';
export { classifyTitle, unitFromTitle, unitMatches } from './titles.ts';
export { canonicalUrl, resolveHref } from './url.ts';
export { HostScheduler } from './politeness.ts';
export { HttpClient, CookieJar } from './http.ts';
export { DEFAULT_DELAY_MS, DEFAULT_USER_AGENT } from './tables.ts';

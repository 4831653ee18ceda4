/** The crawl stage's public surface. */
export { crawl, columnRoot, itemKey, summarize, type AgencySummary, type ArrivedOriginal, type CrawlItem, type CrawlOptions, type CrawlProgress, type CrawlResult, type ReportIdentity } from './crawler.ts';
export { discover, discoverySeeds, type DiscoverOptions, type DiscoverResult, type DiscoverSummary } from './discover.ts';
export { readListPage, followContinuation, type ListPage, type PageLink, type Continuation } from './listing.ts';
export { PLATFORMS } from './platforms/index.ts';
export { readReportPage, pageVerdict } from './report.ts';
export { classifyTitle, unitFromTitle, unitMatches } from './titles.ts';
export { canonicalUrl, resolveHref } from './url.ts';
export { HostScheduler } from './politeness.ts';
export { HttpClient, CookieJar } from './http.ts';
export { DEFAULT_DELAY_MS, DEFAULT_USER_AGENT } from './tables.ts';

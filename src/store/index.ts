/**
 * The store: persists and queries, and imports no other stage. One repository per group of tables over a
 * shared database handle (open.ts); SQLite under `--storage`, or PostgreSQL with `--db`. Nothing is deleted: a changed original is a
 * new version, a newer parse supersedes an older one. The bytes of originals live in the archive
 * (src/archive); rows name them by SHA-256.
 */
export { DB_FILE, openStore, resolveDatabaseUrl, resolveStorageDir, Store, type OpenStoreOptions } from './open.ts';
export { now, StoreError, type Db, type Engine } from './db.ts';
export { isPostgresUrl, redactUrl } from './location.ts';
export { StoreLockedError, LOCK_FILE } from './lock.ts';
export { describeStorageFault } from './faults.ts';
export { recordJson } from './json.ts';
export type { Database } from './schema.ts';
export type { AgencyRow, AgencyRowInput, Agencies } from './agencies.ts';
export type { RunRow, Runs } from './runs.ts';
export type { ColumnRead, DocumentRow, Exchanges, FetchFilter, FetchInput, FetchRow } from './fetches.ts';
export type { CrawlState, HostRecord, UrlState } from './crawl-state.ts';
export { newWorkerId, type ItemOutcome, type LeasedItem, type NewWorkItem, type WorkItem, type WorkQueue } from './work-queue.ts';
export { LeaseLostError, type HostLease } from './host-leases.ts';
export { reportKey, type ReportActivity, type ReportRow, type Reports, type ReportUrlRow, type ReportVersionInput, type ReportVersionResult, type VersionRow } from './reports.ts';
export type { AgencyListReads, ListRead, ListReadOutcome, ListReadResult, ListReadRole } from './list-reads.ts';
export type { Discoveries, Discovery, DiscoveryFact, DiscoveryInput } from './discoveries.ts';
export type { AgencyListState, AgencyRunRow, AgencyRunSummary, AgencyRuns } from './agency-runs.ts';
export { tidyCells, type CellRow, type CheckRow, type FailedParse, type ParsedRecord, type RecordRow, type Records, type SaveRecordOptions } from './records.ts';
export { assertEmptyStore, compareStores, copyStore, type TableCopy } from './copy.ts';
export { databaseProblems, digestReferences, type DatabaseProblem, type DigestReference } from './integrity.ts';

/**
 * The pipeline: what happens when an original arrives, the same for the crawler and for `reparse`: keep the
 * bytes (archive), record the exchange and the report version (store), extract a document and parse it with
 * the shared parser (in a worker with a time limit and a memory cap), save the record.
 */
export { openStorage, Storage, type ExchangeInput, type RecordedExchange, type StorageOptions, type VersionInput } from './storage.ts';
export { ingestOriginal, type ArrivingOriginal, type IngestOptions, type IngestResult, type OriginalParser } from './ingest.ts';
export { ParsePool, WORKER_MEMORY_MB } from './parse-pool.ts';
export { reparseArchive, type ReparseOptions, type ReparseResult } from './reparse.ts';
export { enqueueParseJobs, PARSE_QUEUE, parseJobKey, workParseJobs, type ParseJob, type WorkOptions, type WorkResult } from './parse-jobs.ts';
export { migrateStorage, type MigrateResult } from './migrate.ts';
export { verifyStorage, type StorageProblem, type VerifyResult } from './verify.ts';

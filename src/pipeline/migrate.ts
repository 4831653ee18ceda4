/**
 * Moving an embedded storage (a folder: nianbao.sqlite and originals/) into a distributed one (PostgreSQL,
 * and S3 or a folder for the originals), verified: the originals first, each re-hashed on arrival, then
 * every table in one transaction, then both sides compared table by table and the destination checked
 * whole (`verifyStorage`). The source is only read; delete it once you have looked at the result.
 */
import { assertEmptyStore, compareStores, copyStore, type TableCopy } from '../store/index.ts';
import type { Storage } from './storage.ts';
import { verifyStorage, type VerifyResult } from './verify.ts';

export interface MigrateResult {
  originals: { copied: number; present: number };
  tables: TableCopy[];
  /** Tables whose rows differ between the source and the destination after the copy (none when all is well). */
  differences: { table: string; a: string; b: string }[];
  verify: VerifyResult;
  ok: boolean;
}

export async function migrateStorage(from: Storage, to: Storage, log: (line: string) => void = () => undefined): Promise<MigrateResult> {
  await assertEmptyStore(to.store);
  // Originals before rows, as everywhere: no row in the destination ever names an original it lacks.
  let copied = 0;
  let present = 0;
  for await (const sha of from.originals.list()) {
    const bytes = await from.originals.read(sha);
    const put = await to.originals.put(bytes);
    if (put.sha256 !== sha) throw new Error(`original ${sha} in ${from.originals.location} hashes to ${put.sha256}: the source is damaged (nianbao verify --storage ${from.dir}); nothing was copied into the database`);
    if (put.isNew) copied++; else present++;
    if ((copied + present) % 1000 === 0) log(`${copied + present} originals`);
  }
  log(`originals: ${copied} copied, ${present} already there (${to.originals.location})`);
  const tables = await copyStore(from.store, to.store, (t) => log(`${t.table}: ${t.rows} rows`));
  const differences = await compareStores(from.store, to.store);
  const verify = await verifyStorage(to);
  return { originals: { copied, present }, tables, differences, verify, ok: !differences.length && verify.ok };
}
